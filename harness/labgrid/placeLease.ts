import type { Logger } from '../log.ts';
import { HilError } from '../errors.ts';
import { describeHolders, hilHolderPid, LabgridClient, type Resolved, type WaitProgress } from './client.ts';
import { describeFilters, type LabgridTarget } from './target.ts';

/** A place this run holds: reserved, acquired, its serial port and power resolved. */
export interface PlaceLease {
  readonly target: LabgridTarget;
  readonly place: string;
  /** The place's NetworkSerialPort as the harness opens it: rfc2217://host:port. */
  readonly url: string;
  readonly speed: number;
  /** The power resources labgrid can switch on this place (first one is used). */
  readonly power: Resolved['power'];
  /** This run's name in the lab (`host/user:hil-<pid>`): what other runs see as the holder. */
  readonly holder: string;
  /** The pid of the labgrid session process that holds the place for this run. */
  readonly sessionPid: number | undefined;
  /** Power through labgrid's driver for the place's power resource. */
  switchPower(action: 'on' | 'off' | 'cycle', offMs?: number): Promise<void>;
  /** Releases the place and cancels the reservation; safe to call twice. */
  release(): Promise<void>;
}

/** A busy place is waited for this long unless the bench file says otherwise (timeouts.placeWait). */
export const DEFAULT_PLACE_WAIT_MS = 600_000;

/**
 * How long the suite's workers may wait for a place, as `hil test` hands it to them
 * (HIL_PLACE_WAIT_MS, from the bench file's timeouts.placeWait): the board fixture's bring-up
 * budget grows by it, so a run queued behind another is not cut short by a test timeout.
 * 0 when the bench has no labgrid board.
 */
export function placeWaitBudgetMs(env = process.env): number {
  const ms = Number(env.HIL_PLACE_WAIT_MS ?? 0);
  return Number.isInteger(ms) && ms > 0 ? ms : 0;
}

export interface LeaseOptions {
  log: Logger;
  /** How long to wait for a busy place before giving up (the holder is named). */
  waitMs: number;
  /** How often a wait reports who holds the place. */
  progressMs?: number;
  /** Hears every progress line (the CLI and tests print or check them). */
  onProgress?: (line: string, progress: WaitProgress) => void;
  connectTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function progressLine(target: LabgridTarget, p: WaitProgress): string {
  return (
    `waiting for labgrid ${describeFilters(target.filters)} on ${target.coordinator}: ${describeHolders(p.holders)} ` +
    `(waited ${Math.round(p.waitedMs / 1000)} s of ${Math.round(p.waitMs / 1000)} s)`
  );
}

/**
 * A place left behind by a hil run on this host whose process is gone (it and its session were
 * killed together): labgrid keeps such a place acquired, and its reservation allocated until
 * it expires (60 s unpolled). The acquisition is taken back with labgrid's release-from, which
 * only acts while that dead run is still the holder, so two runs doing this at once cannot hurt
 * a live one; the dead run's reservation is cancelled.
 */
async function takeBackStale(client: LabgridClient, target: LabgridTarget, log: Logger): Promise<void> {
  const dead = (holder: string | null) => {
    const pid = holder ? hilHolderPid(holder) : undefined;
    return pid !== undefined && !alive(pid);
  };
  for (const place of await client.places(target.filters)) {
    if (dead(place.acquired)) {
      log.warn({ place: place.name, stale: place.acquired }, `taking back labgrid place ${place.name}, left acquired by ${place.acquired}, a run that is gone`);
      await client.releaseFrom(place.name, place.acquired!);
    }
    if (place.reservation && dead(place.reservedBy) && (place.acquired === null || dead(place.acquired))) {
      log.warn({ place: place.name, stale: place.reservedBy }, `cancelling the reservation of ${place.name} left by ${place.reservedBy}, a run that is gone`);
      await client.cancel(place.reservation);
    }
  }
}

/**
 * Reserves a place for the target (waiting, bounded, while another client holds it), acquires
 * it (labgrid's lock: no other client can take it meanwhile) and resolves its serial port and
 * power. Whatever way this run ends, the place is released: by release(), or by the session
 * process once this process is gone.
 */
export async function leasePlace(target: LabgridTarget, opts: LeaseOptions): Promise<PlaceLease> {
  const log = opts.log.child({ labgrid: target.coordinator });
  const client = await LabgridClient.connect(target.coordinator, { log, connectTimeoutMs: opts.connectTimeoutMs, env: opts.env });
  try {
    await takeBackStale(client, target, log);
    const { place } = await client.reserve(target.filters, {
      waitMs: opts.waitMs,
      progressMs: opts.progressMs,
      onProgress: (p) => {
        const line = progressLine(target, p);
        log.info({ holders: p.holders }, line);
        opts.onProgress?.(line, p);
      },
    });
    await client.acquire(place);
    const resolved = await client.resolve(place);
    if (resolved.serial.protocol !== 'rfc2217') {
      throw new HilError(
        `labgrid place ${place}: its NetworkSerialPort speaks ${resolved.serial.protocol}, not rfc2217`,
        'export the port with protocol: rfc2217 (labgrid exports USB and raw serial ports so by default)',
        2,
      );
    }
    const url = `rfc2217://${resolved.serial.host.includes(':') ? `[${resolved.serial.host}]` : resolved.serial.host}:${resolved.serial.port}`;
    log.info({ place, url, holder: client.identity }, `acquired labgrid place ${place} (${url})`);
    let released = false;
    return {
      target,
      place,
      url,
      speed: resolved.serial.speed,
      power: resolved.power,
      holder: client.identity,
      sessionPid: client.pid,
      async switchPower(action, offMs) {
        const resource = resolved.power[0];
        if (!resource) {
          throw new HilError(
            `labgrid place ${place} has no power resource labgrid can switch`,
            'add a NetworkPowerPort (or another power resource) to the place, or give the board power: { driver: rts }',
            2,
          );
        }
        await client.power(place, action, { resource: resource.name, delayS: offMs === undefined ? undefined : offMs / 1000 });
      },
      async release() {
        if (released) return;
        released = true;
        try {
          await client.release(place);
          log.info({ place }, `released labgrid place ${place}`);
        } finally {
          await client.close();
        }
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
