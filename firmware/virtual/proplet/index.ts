/**
 * The proplet firmware model for the virtual chip (apps.ts): the image's project_name picks
 * the variant, `proplet-upstream` for upstream's known gaps (CONTRACT.md §8).
 */
import type { AppFactory } from '../app.ts';
import { Proplet } from './proplet.ts';

export const UPSTREAM_PROJECT_NAME = 'proplet-upstream';

export const propletApp: AppFactory = (chip, descriptor) =>
  new Proplet(chip, descriptor, descriptor.projectName === UPSTREAM_PROJECT_NAME ? 'upstream' : 'proplet');
