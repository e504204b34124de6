import { join } from 'node:path';
import type { LogEventOf } from '../console/events.ts';
import { HilError } from '../errors.ts';
import type { FlashResult } from '../flash/flasher.ts';
import type { Logger } from '../log.ts';
import type { Manager } from '../propeller/manager.ts';
import { settingsRegion } from '../provision/settingsRegion.ts';
import { openBoard, type Board } from './board.ts';
import type { Lease } from './lease.ts';
import { profileFor, type BenchPlan } from './plan.ts';
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
 * Its firmware's profile says how: over the shell after the flash, or (a firmware without a
 * shell) with a settings partition image flashed together with the firmware; and which console
 * lines mean what. A failure on the way closes the board again.
 */
export async function bringUp(plan: BenchPlan, boardName: string, opts: BringUpOptions): Promise<BroughtUp> {
  const config = plan.boards.find((b) => b.name === boardName)!;
  const profile = profileFor(plan, config);
  const board = await openBoard(config, {
    config: plan.config,
    configPath: plan.configPath,
    transcriptPath: join(opts.reportDir, `console-${config.name}.log`),
    log: opts.log,
    lease: opts.lease ?? `hil ${plan.kind} run`,
    onWait: opts.onWait,
    profile,
  });
  try {
    const strategy = new BoardStrategy(board, { timeouts: plan.config.timeouts, log: opts.log });
    const settings = suiteProvisioning(plan, board.credentials, opts.broker, opts.settings, profile);
    // A pre-provisioned board dials its own broker, not this worker's: the suite needs one it can provision.
    const method = profile.provisioning.find((m) => m !== 'pre-provisioned');
    if (!method) throw new HilError(`${board.name}: firmware profile ${profile.name} can only be pre-provisioned`, 'the suite provisions each board for its worker\'s broker: give a profile with shell or settings-image', 2);
    let up: { flashed: FlashResult; booted: LogEventOf<'boot'> };
    if (method === 'settings-image') {
      // The key goes into flash, never into the transcript.
      board.console.secrets.add(settings.apiKey);
      up = await strategy.flashProvisioned(plan.firmware, settingsRegion(profile, settings));
    } else {
      const flashed = await strategy.flash(plan.firmware);
      up = { flashed, booted: await strategy.provision(settings) };
    }
    // Only the session after the provisioning boot counts: a boot before it may have
    // connected with older settings, and its discovery must not be taken for this one.
    await strategy.online(up.booted, opts.manager);
    return { board, flashed: up.flashed };
  } catch (err) {
    await board.close();
    throw err;
  }
}
