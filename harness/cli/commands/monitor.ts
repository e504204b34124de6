import { parseArgs } from 'node:util';
import { openBoard, type Board } from '../../bench/board.ts';
import { boardLockName } from '../../bench/boardLock.ts';
import { leaseTimeoutMs } from '../../bench/lease.ts';
import type { LogEvent } from '../../console/events.ts';
import { formatLine } from '../../console/format.ts';
import { romRejection } from '../../console/romBanner.ts';
import { HilError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { RtsPower } from '../../power/rts.ts';
import { Rfc2217Transport } from '../../transport/rfc2217.ts';
import type { Transport } from '../../transport/transport.ts';
import type { Command } from '../command.ts';
import { integerOption } from '../options.ts';
import { configTarget, defaultTranscript, portTarget } from '../target.ts';
import { PortTakeBack } from './monitorTakeBack.ts';

const USAGE = `usage: hil monitor <board|port> [--raw | --json] [--baud N] [--no-reset] [--lease-timeout S] [--transcript FILE]

Shows a board's serial console live, parsed: per line the seconds since the start, the event
the line carries (boot, mqtt.connected, task.finished, rom.banner, zephyr.fatal, …) and its
text. Every byte also goes to a transcript file. Ctrl-C ends it. On open it resets the board
(RTS, as opening a USB-Serial/JTAG port does; behind esp_rfc2217_server, that server's own
hard reset) so that its boot is shown; a port that cannot reset it (a pty) says so in one line.

An rfc2217:// port taken by another client (hil flash, hil test) is taken back when it is
free: the monitor says who has it, waits while a hil run or command holds the board (up to
--lease-timeout), then reconnects, resets and shows the boot again. A newer hil monitor on the
port wins: the older one says so and ends. Nobody known holding it (esptool, a restarted
server): up to 6 reconnects over 15 s, and a client that takes the port 3 times in 60 s ends
the monitor.

  <board>            a board name from the config (its port and baud)
  <port>             a port not in the config: /dev/ttyUSB0, serial:<usb serial number>,
                     usb:<bus-port>, or rfc2217://host:port (esp_rfc2217_server, ser2net,
                     hil virtual start)
  --raw              the bytes exactly as received, ANSI colours included
  --json             one JSON object per event (harness/console/events.ts), for scripts
  --baud N           console baud (default: the board's baud, or 115200)
  --no-reset         do not reset the board on open: show its console from now on
  --lease-timeout S  how long to wait for a run or command that took the port (default 600,
                     or HIL_LEASE_TIMEOUT_S)
  --transcript FILE  where the transcript goes (default .hil/monitor/<name>-<time>.log)

exit codes: 0 ended with Ctrl-C, 1 the port was lost (and not taken back), 2 usage or configuration error`;

/** EN held low this long: enough for a reset, short enough not to look like a power cut. */
const RESET_MS = 100;

const looksLikePort = (arg: string) => /^(\/|serial:|usb:|rfc2217:)/.test(arg);

/**
 * Groups events into rows, one per complete line. The console emits a chunk's events in one
 * synchronous burst, so a microtask after the burst sees every event of its lines; events of
 * a line not yet ended (a shell prompt) wait for the line.
 */
function rows(print: (events: LogEvent[]) => void): (event: LogEvent) => void {
  let pending: LogEvent[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const complete = new Set(pending.filter((e) => e.kind === 'line').map((e) => e.seq));
    for (const seq of complete) print(pending.filter((e) => e.seq === seq));
    pending = pending.filter((e) => !complete.has(e.seq));
  };
  return (event) => {
    pending.push(event);
    if (!scheduled) queueMicrotask(flush);
    scheduled = true;
  };
}

/**
 * The board's boot happened before the monitor came: reset it so a newcomer sees one. RTS on
 * the monitor's own port, never the board's power driver (a USB hub cut would take the port
 * away from under the monitor). Behind esp_rfc2217_server RTS is a request for the server's
 * own hard reset, which is what the monitor wants; the line says which reset it was.
 */
async function resetOnOpen(transport: Transport, log: Logger): Promise<void> {
  const how = transport instanceof Rfc2217Transport && transport.server === 'esp_rfc2217_server' ? "esp_rfc2217_server's hard reset" : 'RTS';
  try {
    await new RtsPower(transport).cycle(RESET_MS);
    log.info({ port: transport.url }, `reset the board on open (${how}) so that its boot shows; --no-reset opts out`);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    log.warn({ port: transport.url }, `cannot reset the board on ${transport.url} (${why}); showing its console from now on`);
  }
}

export const monitorCommand: Command = {
  name: 'monitor',
  summary: "show a board's console live, parsed into events (or --raw, --json)",
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: {
        raw: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        baud: { type: 'string' },
        transcript: { type: 'string' },
        'no-reset': { type: 'boolean', default: false },
        'lease-timeout': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new HilError('expected one board name or port', 'run hil monitor --help', 2);
    if (values.raw && values.json) throw new HilError('give --raw or --json, not both', 'run hil monitor --help', 2);
    const baud = integerOption('baud', values.baud, { command: 'monitor' });
    const arg = positionals[0]!;
    const target = looksLikePort(arg)
      ? portTarget(arg, baud !== undefined ? { baud } : {})
      : await configTarget(arg, ctx, {
          attachOnly: 'start one with hil virtual start and monitor the rfc2217:// address it prints',
          orElse: 'or give a port such as /dev/ttyUSB0 or rfc2217://host:port',
        });
    const transcriptPath = values.transcript ?? defaultTranscript('monitor', target.board.name);

    const lockName = await boardLockName(target.board, ctx.configPath);
    const leaseTimeout = integerOption('lease-timeout', values['lease-timeout'], { min: 0, command: 'monitor', unit: 'seconds' });
    const timeoutMs = leaseTimeout !== undefined ? leaseTimeout * 1000 : leaseTimeoutMs();
    const out = process.stdout;
    const colour = out.isTTY === true;
    // The ROM's refusal reads like noise to a newcomer; say once what it means and what to do.
    const flashHint = looksLikePort(arg) ? `hil flash --port ${arg} IMAGE` : `hil flash --board ${arg} IMAGE`;
    let hinted = false;
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });

    const takeBack = new PortTakeBack({ url: target.board.port, lockName, timeoutMs, stopped, log: ctx.log });
    const open = () => {
      takeBack.claim();
      return openBoard(target.board, {
        ...(target.config ? { config: target.config } : {}),
        configPath: ctx.configPath,
        transcriptPath,
        log: ctx.log,
        ...(baud !== undefined ? { baud } : {}),
      });
    };
    try {
      let board: Board | undefined = await open();
      let first = true;
      while (board) {
        const { transport, console: boardConsole }: Board = board;
        if (values.raw) transport.onData((chunk) => out.write(chunk));
        else if (values.json) boardConsole.onEvent((event) => out.write(`${JSON.stringify(event)}\n`));
        else boardConsole.onEvent(rows((events) => out.write(`${formatLine(events, colour)}\n`)));
        boardConsole.onEvent((event) => {
          const rejected = event.kind === 'line' && !hinted ? romRejection(event.text) : undefined;
          if (rejected === undefined) return;
          hinted = true;
          ctx.log.warn({ rom: rejected }, `board ${target.board.name} is blank or its image does not boot (the ROM says "${rejected}"): flash it with ${flashHint}`);
        });
        if (first) ctx.log.info({ port: transport.url, baud: transport.baud, transcript: transcriptPath }, `monitoring ${transport.url}; Ctrl-C ends`);
        else ctx.log.info({ port: transport.url }, `${transport.url}: took the port back; monitoring again`);
        first = false;

        const ended = Promise.race([stopped.then(() => undefined), new Promise<Error | undefined>((resolve) => transport.onClose((err) => resolve(err ?? new Error('the port closed'))))]);
        // Not awaited before the wait above: a server that never answers DTR/RTS (ser2net on a pty)
        // must not keep Ctrl-C from ending the monitor.
        const reset = values['no-reset'] ? Promise.resolve() : resetOnOpen(transport, ctx.log);
        const lost = await ended;
        await reset;
        await board.close();
        if (!lost) break;
        // Only a network port can be taken by another client and given back; a local port that goes is gone.
        if (!transport.url.startsWith('rfc2217://')) throw new HilError(`${transport.url}: ${lost.message}`, `the console up to then is in ${transcriptPath}`, 1);
        board = await takeBack.after(open);
      }
    } finally {
      takeBack.release();
    }
    ctx.log.info({ transcript: transcriptPath }, 'monitor ended');
    return 0;
  },
};
