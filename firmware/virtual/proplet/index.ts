/** The proplet firmware model for the virtual chip (apps.ts): firmware/CONTRACT.md as it reads. */
import type { AppFactory } from '../app.ts';
import { Proplet } from './proplet.ts';

export const propletApp: AppFactory = (chip, descriptor) => new Proplet(chip, descriptor);
