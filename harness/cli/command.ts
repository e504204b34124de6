import type { Logger } from '../log.ts';

/** What every command gets from the CLI: its own arguments, the global options, a logger. */
export interface CommandContext {
  /** The arguments after the command name (global options already removed). */
  args: string[];
  /** --config FILE, else HIL_CONFIG, else lab.config.yaml in the working directory. */
  configPath: string;
  log: Logger;
}

/**
 * One `hil` sub-command. run() resolves to the exit code (0 ok, 1 a check/test/flash
 * failed); expected failures are thrown as HilError and printed by the CLI as one line.
 */
export interface Command {
  name: string;
  /** One line for `hil --help`. */
  summary: string;
  /** The usage text for `hil <name> --help`. */
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}
