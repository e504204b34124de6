import { join } from 'node:path';
import type { BoardConfig, PropletCredentials } from '../config/schema.ts';
import { Console } from '../console/console.ts';
import { DEFAULT_PLACE_WAIT_MS, leasePlace, type PlaceLease } from '../labgrid/placeLease.ts';
import { isLabgridPort, parseLabgridTarget } from '../labgrid/target.ts';
import type { Logger } from '../log.ts';
import { CommandPower } from '../power/command.ts';
import { LabgridPower } from '../power/labgrid.ts';
import type { PowerDriver } from '../power/power.ts';
import { RtsPower } from '../power/rts.ts';
import { UhubctlPower } from '../power/uhubctl.ts';
import { VirtualPower } from '../power/virtual.ts';
import { openTransport } from '../transport/open.ts';
import type { Transport } from '../transport/transport.ts';
import { boardLockName } from './boardLock.ts';
import { acquireLease, type Lease } from './lease.ts';
import { boardCredentials, virtualStateDir, type BenchPlan } from './plan.ts';
import { VirtualBoard } from './virtualBoards.ts';

/**
 * One board as a run holds it: leased, its serial port open, its console recording, its power
 * driver ready. A virtual board is also started here, as a separate process reached over
 * RFC 2217 exactly like a board on a remote bench host.
 */
export interface Board {
  readonly name: string;
  readonly config: BoardConfig;
  readonly credentials: PropletCredentials;
  readonly transport: Transport;
  readonly console: Console;
  readonly power: PowerDriver;
  close(): Promise<void>;
}

export interface OpenBoardOptions {
  /** Where the console transcript goes. */
  reportDir: string;
  log: Logger;
  /** The board's lease when the caller has taken it already (and waited for it); else taken here. */
  lease?: Lease;
}

function powerFor(config: BoardConfig, transport: Transport, virtual: VirtualBoard | undefined, place: PlaceLease | undefined): PowerDriver {
  const p = config.power;
  switch (p.driver) {
    case 'virtual':
      return new VirtualPower(virtual!, transport);
    case 'rts':
      return new RtsPower(transport);
    case 'uhubctl':
      return new UhubctlPower(p);
    case 'command':
      return new CommandPower(p);
    case 'labgrid':
      return new LabgridPower(place!, transport);
  }
}

export async function openBoard(plan: BenchPlan, config: BoardConfig, opts: OpenBoardOptions): Promise<Board> {
  const log = opts.log.child({ board: config.name });
  const lease: Lease = opts.lease ?? acquireLease(boardLockName(config, plan.configPath), { purpose: `hil ${plan.kind} run, pid ${process.pid}`, log });
  let virtual: VirtualBoard | undefined;
  let transport: Transport | undefined;
  // A labgrid board is a place leased from the lab's coordinator for this run.
  let place: PlaceLease | undefined;
  try {
    if (config.port === 'virtual') {
      virtual = await VirtualBoard.start({ stateDir: virtualStateDir(plan.configPath, config.name) }, log);
    }
    if (isLabgridPort(config.port)) {
      place = await leasePlace(parseLabgridTarget(config.port), { log, waitMs: plan.config.timeouts.placeWait ?? DEFAULT_PLACE_WAIT_MS });
    }
    transport = await openTransport(virtual?.url ?? place?.url ?? config.port, { baud: config.baud, log, rfc2217Server: config.rfc2217Server });
    const console = new Console(transport, { name: config.name, transcriptPath: join(opts.reportDir, `console-${config.name}.log`) });
    console.start();
    const credentials = boardCredentials(plan, config);
    const power = powerFor(config, transport, virtual, place);
    const opened = transport;
    return {
      name: config.name,
      config,
      credentials,
      transport,
      console,
      power,
      async close() {
        console.stop();
        await opened.close().catch(() => {});
        await virtual?.stop();
        await place?.release().catch((err: Error) => log.warn(`labgrid: ${err.message}`));
        lease.release();
      },
    };
  } catch (err) {
    await transport?.close().catch(() => {});
    await virtual?.stop();
    await place?.release().catch(() => {});
    lease.release();
    throw err;
  }
}
