import type { TimeoutsConfig } from '../config/schema.ts';
import type { LogEventOf } from '../console/events.ts';
import { HilError } from '../errors.ts';
import { flashBoard, type FlashResult } from '../flash/flasher.ts';
import { SETTINGS_PARTITION, type Firmware, type FlashRegion } from '../flash/manifest.ts';
import { LogProgress, type FlashProgress } from '../flash/progress.ts';
import { step, type Logger } from '../log.ts';
import type { Manager } from '../propeller/manager.ts';
import type { Board } from './board.ts';
import { provision, settingKeys, type ProvisionSettings } from './provision.ts';

/**
 * The states a board is brought through, in order (labgrid's Strategy): powered but unknown,
 * in its ROM's download mode, running the flashed image, provisioned and rebooted, connected
 * to its broker and announced to the manager.
 */
export const BOARD_STATES = ['off', 'download', 'flashed', 'provisioned', 'online'] as const;
export type BoardState = (typeof BOARD_STATES)[number];

/** The bench file's timeouts that bound the transitions. */
export type StrategyTimeouts = Pick<TimeoutsConfig, 'boot' | 'flash' | 'mqttConnect'>;

/** Which timeout bounds the step into each state (the name is in every failure). */
const BOUNDS: Record<Exclude<BoardState, 'off'>, keyof StrategyTimeouts> = {
  // Getting into the ROM is a reset, bounded like a boot.
  download: 'boot',
  // Download mode to the new image's boot banner: compare, write, verify, reset.
  flashed: 'flash',
  // Per shell command and for the reboot after them.
  provisioned: 'boot',
  // From the reboot to the broker's CONNACK and the manager's discovery message.
  online: 'mqttConnect',
};

/** Console lines a failure quotes (one line of text for the CLI; the transcript holds all). */
const TAIL = 3;

export interface FlashStepOptions {
  force?: boolean;
  eraseSettings?: boolean;
  progress?: FlashProgress;
}

export interface StrategyOptions {
  timeouts: StrategyTimeouts;
  log: Logger;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * Brings one opened board from state to state. Every transition is a logged step bounded by its
 * own timeout; a failure names the state it could not reach, what the console last showed and
 * where the transcript is. The suite's fixture and the `hil` commands all go through here, so a
 * change to a step is made once.
 */
export class BoardStrategy {
  private current: BoardState = 'off';

  constructor(
    readonly board: Board,
    private readonly opts: StrategyOptions,
  ) {}

  get state(): BoardState {
    return this.current;
  }

  /** off → download mode → flashed: regions the board holds are skipped; resolves after the new image booted. */
  async flash(fw: Firmware, options: FlashStepOptions = {}): Promise<FlashResult> {
    const { board } = this;
    const { timeouts } = this.opts;
    this.current = 'off';
    const inner = options.progress ?? new LogProgress(this.opts.log);
    // The first region begins once the ROM answered and the stub runs: download mode reached.
    const progress: FlashProgress = {
      begin: (...args) => {
        if (this.current === 'off') this.current = 'download';
        inner.begin(...args);
      },
      update: (...args) => inner.update(...args),
      end: (...args) => inner.end(...args),
    };
    return this.reach('flashed', () =>
      flashBoard(
        {
          name: board.name,
          transport: board.transport,
          reset: board.config.reset,
          baud: board.config.baud,
          flashBaud: board.config.flashBaud,
          ...(board.identity.usb ? { usb: board.identity.usb } : {}),
          log: this.opts.log,
        },
        fw,
        {
          force: options.force ?? false,
          eraseSettings: options.eraseSettings ?? false,
          settingsPartition: SETTINGS_PARTITION,
          syncTimeoutMs: timeouts[BOUNDS.download],
          bootTimeoutMs: timeouts.boot,
          progress,
        },
      ),
    );
  }

  /**
   * off → flashed → provisioned in one write, for a firmware without a shell: the settings
   * partition image goes with the firmware, and the boot after the reset reads it. Resolves with
   * the flash result and that boot.
   */
  async flashProvisioned(fw: Firmware, settings: FlashRegion, options: FlashStepOptions = {}): Promise<{ flashed: FlashResult; booted: LogEventOf<'boot'> }> {
    const { console } = this.board;
    const since = console.mark();
    const regions = [...fw.regions.filter((r) => r.offset !== settings.offset), settings];
    const flashed = await this.flash({ ...fw, regions }, options);
    const timeout = this.opts.timeouts[BOUNDS.provisioned];
    const booted = await this.reach('provisioned', () => console.waitFor('boot', { since, timeout }));
    return { flashed, booted };
  }

  /**
   * → provisioned: the settings written over the console shell, read back, and the board
   * rebooted with them. The board runs its firmware already (flashed, or found running).
   */
  provision(settings: ProvisionSettings): Promise<LogEventOf<'boot'>> {
    const timeout = this.opts.timeouts[BOUNDS.provisioned];
    // Each shell command and the reboot has the timeout: a prompt, a write and a read-back per key, the reboot.
    const steps = 2 * settingKeys(settings).length + 2;
    return this.reach('provisioned', () => provision(this.board.console, settings, { timeout }), timeout * steps);
  }

  /**
   * provisioned → online: the console shows the MQTT connection of the boot `after`, and the
   * manager (when there is one) sees this session's discovery message, not an earlier boot's.
   */
  online(after: LogEventOf<'boot'>, manager?: Manager): Promise<void> {
    const timeout = this.opts.timeouts[BOUNDS.online];
    const since = manager?.mark();
    return this.reach('online', async () => {
      const { console } = this.board;
      await console.waitFor('mqtt.connected', { timeout, since: console.events.indexOf(after) });
      await manager?.awaitDiscovery(this.board.credentials.id, { timeout, since });
    });
  }

  /**
   * One transition, as a step, bounded by its timeout. Steps below bound their own waits too;
   * this bound is the one that holds when a step below hangs past it.
   */
  private async reach<T>(target: Exclude<BoardState, 'off'>, run: () => Promise<T>, ms = this.opts.timeouts[BOUNDS[target]]): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const work = run();
    const expiry = new HilError(`no progress within ${ms} ms`);
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(expiry), ms);
    });
    try {
      const value = await step(this.opts.log, target, { board: this.board.name, from: this.current }, () => Promise.race([work, expired]));
      this.current = target;
      return value;
    } catch (err) {
      // The abandoned step still settles later (the board is closed under it); that is no news.
      work.catch(() => undefined);
      // A flash that never found the ROM failed to reach download mode, not "flashed".
      const missed = target === 'flashed' && this.current === 'off' ? 'download' : target;
      // The bound that ran out: this step's own, or (when a step below gave up first) the missed state's.
      const bound = err === expiry ? { name: BOUNDS[target], ms } : { name: BOUNDS[missed], ms: missed === target ? ms : this.opts.timeouts[BOUNDS[missed]] };
      throw this.failure(missed, bound, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(missed: Exclude<BoardState, 'off'>, bound: { name: keyof StrategyTimeouts; ms: number }, err: unknown): HilError {
    const { console } = this.board;
    const tail = console.tail(TAIL).filter((line) => line.trim() !== '');
    const seen = tail.length ? tail.map((line) => JSON.stringify(line)).join(' | ') : 'no complete line';
    const exitCode = err instanceof HilError ? err.exitCode : 1;
    const hint = err instanceof HilError && err.hint ? `${err.hint}; ` : '';
    return new HilError(
      `${this.board.name}: could not reach "${missed}" from "${this.current}" (bound: ${bound.ms} ms from timeouts.${bound.name}): ${firstLine(err)}; last console lines: ${seen}`,
      `${hint}transcript: ${console.transcriptPath}`,
      exitCode,
    );
  }
}
