import { join } from 'node:path';
import type { FlashResult } from '../flash/flasher.ts';
import type { Logger } from '../log.ts';
import type { Manager } from '../propeller/manager.ts';
import { openBoard, type Board } from './board.ts';
import type { Lease } from './lease.ts';
import type { BenchPlan } from './plan.ts';
import { suiteProvisioning, type BenchSettings, type BrokerAddress } from './settings.ts';
import { BoardStrategy } from './strategy.ts';

export interface BringUpOptions {
  broker: BrokerAddress;
  manager: Manager;
  settings: BenchSettings;
  /** Where the console transcript goes. */
  reportDir: string;
  log: Logger;
  /** The board's lease when the caller has taken it already (and waited for it); else taken here. */
  lease?: Lease;
  /** Hears each progress line while the board is waited for (a busy labgrid place). */
  onWait?: (line: string) => void;
}

export interface BroughtUp {
  board: Board;
  flashed: FlashResult;
}

/**
 * The board as every test starts with it: leased, flashed (unchanged regions skipped),
 * provisioned for this worker's broker, booted, connected and announced — off to online.
 * A failure on the way closes the board again.
 */
export async function bringUp(plan: BenchPlan, boardName: string, opts: BringUpOptions): Promise<BroughtUp> {
  const config = plan.boards.find((b) => b.name === boardName)!;
  const board = await openBoard(config, {
    config: plan.config,
    configPath: plan.configPath,
    transcriptPath: join(opts.reportDir, `console-${config.name}.log`),
    log: opts.log,
    lease: opts.lease ?? `hil ${plan.kind} run`,
    onWait: opts.onWait,
  });
  try {
    const strategy = new BoardStrategy(board, { timeouts: plan.config.timeouts, log: opts.log });
    const flashed = await strategy.flash(plan.firmware);
    const booted = await strategy.provision(suiteProvisioning(plan, board.credentials, opts.broker, opts.settings));
    // Only the session after the provisioning reboot counts: the boot before it may have
    // connected with older settings, and its discovery must not be taken for this one.
    await strategy.online(booted, opts.manager);
    return { board, flashed };
  } catch (err) {
    await board.close();
    throw err;
  }
}
