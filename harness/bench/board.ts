import type { BoardConfig, LabConfig, PropletCredentials } from '../config/schema.ts';
import { Console } from '../console/console.ts';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PowerDriver } from '../power/power.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { openTransport } from '../transport/open.ts';
import type { Transport } from '../transport/transport.ts';
import type { BoardBackend, BoardIdentity } from './backends/backend.ts';
import { backendFor } from './backends/index.ts';
import { boardLockName } from './boardLock.ts';
import { acquireLease, type Lease } from './lease.ts';

/**
 * One board as a run holds it: its backend started (a virtual board is a process of its own,
 * reached over RFC 2217 exactly like a board on a remote bench host; a labgrid board is a place
 * leased from the lab's coordinator), its serial port open, its console recording, its power
 * driver ready, and leased when the run asked for it.
 */
export interface Board {
  readonly name: string;
  readonly config: BoardConfig;
  readonly backend: BoardBackend;
  readonly identity: BoardIdentity;
  /** The proplet id and API key: the bench file's, or generated for a virtual board it does not list. */
  readonly credentials: PropletCredentials;
  readonly transport: Transport;
  readonly console: Console;
  readonly power: PowerDriver;
  close(): Promise<void>;
}

export interface OpenBoardOptions {
  /** The bench file (for credentials and timeouts) and where it lives (for a virtual board's state). */
  config?: LabConfig;
  configPath: string;
  /** Where the console transcript goes. */
  transcriptPath: string;
  log: Logger;
  /**
   * The board's host-wide lease: one the caller has taken already (and waited for), or the
   * purpose to take it for here, as a run does, so that nobody else flashes or tests it meanwhile.
   */
  lease?: Lease | string;
  /** The console baud when not the board's own (hil monitor --baud). */
  baud?: number;
  /** Hears each progress line while the board is waited for (a busy labgrid place). */
  onWait?: (line: string) => void;
  /** How the board's firmware speaks (plan.ts profileFor); CONTRACT.md's lines when absent. */
  profile?: FirmwareProfile;
}

export async function openBoard(config: BoardConfig, opts: OpenBoardOptions): Promise<Board> {
  const log = opts.log.child({ board: config.name });
  const lease: Lease | undefined =
    typeof opts.lease === 'string'
      ? acquireLease(await boardLockName(config, opts.configPath), { purpose: `${opts.lease}, pid ${process.pid}`, log })
      : opts.lease;
  const backend = backendFor({ board: config, configPath: opts.configPath, lab: opts.config, log, onWait: opts.onWait });
  let transport: Transport | undefined;
  try {
    await backend.start();
    const identity = await backend.identity();
    // Nothing awaits between the port's opening and the console's start: no byte goes unrecorded.
    transport = await openTransport(backend.url, { baud: opts.baud ?? config.baud, log, rfc2217Server: config.rfc2217Server });
    const console = new Console(transport, { name: config.name, transcriptPath: opts.transcriptPath, ...(opts.profile ? { profile: opts.profile } : {}) });
    console.start();
    const power = backend.power(transport);
    const opened = transport;
    return {
      name: config.name,
      config,
      backend,
      identity,
      get credentials() {
        if (!opts.config) throw new HilError(`${config.name}: no bench file, so no proplet id and API key`, 'give the board from a bench file (--board) or the credentials as options');
        return backend.credentials(opts.config);
      },
      transport,
      console,
      power,
      async close() {
        console.stop();
        await opened.close().catch(() => {});
        await backend.stop();
        lease?.release();
      },
    };
  } catch (err) {
    await transport?.close().catch(() => {});
    await backend.stop();
    lease?.release();
    throw err;
  }
}
