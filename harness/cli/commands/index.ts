import type { Command } from '../command.ts';
import { boardsCommand } from './boards.ts';
import { brokerCommand } from './broker.ts';
import { compare } from './compare.ts';
import { flashCommand } from './flash.ts';
import { monitorCommand } from './monitor.ts';
import { provisionCommand } from './provision.ts';
import { testCommand } from './test.ts';
import { virtualCommand } from './virtual.ts';

/** Every `hil` command, in the order `hil --help` lists them. Each lives in its own file. */
export const commands: Command[] = [boardsCommand, flashCommand, monitorCommand, provisionCommand, testCommand, virtualCommand, brokerCommand, compare];
