/**
 * Which firmware model runs an image, chosen by the image's esp_app_desc_t (CONTRACT.md §7),
 * as the real chip runs whatever was flashed.
 */
import type { AppDescriptor, AppFactory } from './app.ts';
import { minimalApp } from './minimalApp.ts';
import { propletApp } from './proplet/index.ts';
import { UPSTREAM_05_PROJECT_NAME, upstreamApp } from './upstream/index.ts';

export function selectApp(desc: AppDescriptor): AppFactory {
  switch (desc.projectName) {
    case 'proplet':
      return propletApp;
    case UPSTREAM_05_PROJECT_NAME:
      return upstreamApp;
    default:
      return minimalApp;
  }
}
