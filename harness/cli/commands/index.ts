import type { Command } from '../command.ts';
import { compare } from './compare.ts';

/** Every `hil` command, in the order `hil --help` lists them. Each lives in its own file. */
export const commands: Command[] = [compare];
