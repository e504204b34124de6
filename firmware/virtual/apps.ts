/**
 * Which firmware model runs an image, chosen by the image's esp_app_desc_t (CONTRACT.md §7),
 * as the real chip runs whatever was flashed.
 */
import type { AppDescriptor, AppFactory } from './app.ts';
import { minimalApp } from './minimalApp.ts';

export function selectApp(desc: AppDescriptor): AppFactory {
  switch (desc.projectName) {
    // 'proplet' and 'proplet-upstream' → the proplet model from './proplet/index.ts' (its own issue).
    default:
      return minimalApp;
  }
}
