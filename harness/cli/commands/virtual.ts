import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startVirtualBoards } from '../../bench/virtualBoards.ts';
import { HilError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { integerOption } from '../options.ts';

const DEFAULT_STATE = join(tmpdir(), 'proplet-hil', 'virtual');

const USAGE = `usage: hil virtual start [--boards N] [--state DIR] [--firmware IMAGE] [--pace]

Starts N virtual ESP32-S3 boards, each its own process serving its UART over RFC 2217 on
loopback, prints one rfc2217://127.0.0.1:<port> line per board and runs until interrupted
(Ctrl-C stops the boards). Any RFC 2217 client reaches them: hil monitor, hil flash --port,
esptool --port rfc2217://…, pyserial.

  --boards N        how many boards (default 1)
  --state DIR       their state directories DIR/v0, DIR/v1, … keep flash and identity across
                    runs (default ${DEFAULT_STATE})
  --firmware IMAGE  write IMAGE at 0x0 of every board before power-on, as if flashed
  --pace            UART bytes take their time on the wire at the current baud`;

export const virtualCommand: Command = {
  name: 'virtual',
  summary: 'start virtual ESP32-S3 boards on rfc2217://127.0.0.1 ports and keep them running',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: {
        boards: { type: 'string' },
        state: { type: 'string' },
        firmware: { type: 'string' },
        pace: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (positionals[0] !== 'start' || positionals.length > 1) {
      throw new HilError(`hil virtual expects "start", got "${positionals.join(' ')}"`, 'run hil virtual --help', 2);
    }
    if (values.firmware && !existsSync(values.firmware)) {
      throw new HilError(`no firmware image at ${values.firmware}`, 'build the images with npm run fixtures, or pass a zephyr.bin', 2);
    }
    // Listening before the boards start: a stop request during start-up must still stop them.
    const stopRequested = new Promise<void>((resolve) => {
      process.on('SIGINT', () => resolve());
      process.on('SIGTERM', () => resolve());
    });
    const boards = await startVirtualBoards(
      { boards: integerOption('boards', values.boards, { command: 'virtual', unit: 'a number of boards' }) ?? 1, stateRoot: values.state ?? DEFAULT_STATE, firmware: values.firmware, pace: values.pace },
      ctx.log,
    );
    for (const board of boards) console.log(board.url);
    // A newcomer's first monitor would otherwise show a ROM that stops at "invalid header".
    boards.forEach((board, i) => {
      if (board.blank) console.error(`hil: virtual board v${i} (${board.url}) is blank: no image at 0x0 of its flash; flash one with hil flash --port ${board.url} IMAGE, or start with --firmware IMAGE`);
    });
    ctx.log.info({ boards: boards.length, state: values.state ?? DEFAULT_STATE }, 'virtual boards running; Ctrl-C stops them');
    // A board that dies on its own ends the command, saying which and how: its URL is dead.
    const died = new Promise<string>((resolve) => {
      boards.forEach((b, i) => b.onUnexpectedExit((why) => resolve(`virtual board v${i} (${b.url}, state ${b.stateDir}) ${why}`)));
    });
    const death = await Promise.race([stopRequested.then(() => undefined), died]);
    await Promise.all(boards.map((b) => b.stop()));
    if (death) throw new HilError(death, 'the other boards were stopped; hil virtual start again to restart them');
    return 0;
  },
};
