import { isEphemeralPort } from '../bench/backends/index.ts';
import { loadConfig } from '../config/load.ts';
import type { BoardConfig, LabConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import type { ResetStrategy } from '../flash/flasher.ts';
import { parsePortSpec } from '../config/portSpec.ts';
import type { CommandContext } from './command.ts';

/** A board a command acts on: one from the bench file, or a port given on the command line. */
export interface Target {
  board: BoardConfig;
  /** The bench file, when the board came from it. */
  config?: LabConfig;
}

/** A file-name-safe name for a port given on the command line (transcripts are named after it). */
export function portName(port: string): string {
  return port.replace(/^\/dev\//, '').replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/** A port not in the bench file, with the settings a bench file would give it. */
export function portTarget(port: string, opts: { name?: string; baud?: number; flashBaud?: number; reset?: ResetStrategy } = {}): Target {
  parsePortSpec(port);
  const baud = opts.baud ?? 115200;
  return {
    board: {
      name: opts.name ?? portName(port),
      chip: 'esp32s3',
      port,
      baud,
      flashBaud: opts.flashBaud ?? baud,
      reset: opts.reset ?? 'classic',
      power: { driver: 'rts' },
      rfc2217Server: 'auto',
      taskInputs: 'strings',
    },
  };
}

/**
 * A board of the bench file by name. `attachOnly` is for commands that attach to a running
 * board: a board the run itself starts (a virtual one) cannot be attached to, and the hint
 * says what to do instead.
 */
export async function configTarget(name: string, ctx: CommandContext, opts: { attachOnly?: string; orElse?: string } = {}): Promise<Target> {
  const config = await loadConfig(ctx.configPath);
  const board = config.boards.find((b) => b.name === name);
  if (!board) {
    const names = `boards: ${config.boards.map((b) => b.name).join(', ')}`;
    throw new HilError(`no board named "${name}" in ${ctx.configPath}`, opts.orElse ? `${names}; ${opts.orElse}` : names, 2);
  }
  if (opts.attachOnly && isEphemeralPort(board.port)) {
    throw new HilError(`board "${name}" is virtual: it runs only while something runs it`, opts.attachOnly, 2);
  }
  return { board, config };
}

/** Where a command's console transcript goes by default: .hil/<command>/<name>-<time>.log. */
export function defaultTranscript(command: string, name: string): string {
  return `.hil/${command}/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
}
