import { hostname } from 'node:os';
import { claim, claimant, describeHolder, leaseHolder, type Holder } from '../../bench/lease.ts';
import { HilError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/**
 * How `hil monitor` gets its port back after another client took it. An RFC 2217 server that
 * lets a new connection replace the old one (a virtual board, ser2net with kickolduser) drops
 * the monitor when `hil flash` or a test run connects. Reconnecting at once would take the port
 * from that client in the middle of its work, so the monitor first asks the board's host-wide
 * lease who holds it — every hil command and run that drives a board takes it — and waits for
 * that holder to let go. A newer `hil monitor` on the same port wins: each monitor claims the
 * port before it connects, and one pushed off by a newer claim ends instead of fighting back.
 * Nobody known holding it means a client outside the harness or a server that restarted: then
 * a few reconnects with backoff, bounded, and the monitor gives up on a client that keeps
 * taking the port.
 */

/** Between looks at the lease: quick enough that the boot after a flash is not missed by much. */
const POLL_MS = 200;
/** A progress line this often while the port stays taken. */
const PROGRESS_MS = 10_000;
/** Pauses before each reconnect when nobody known holds the port: 15.5 s in all. */
export const RECONNECT_BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
/** Losses to an unknown client this close together mean a client that fights for the port. */
const FIGHT_LOSSES = 3;
const FIGHT_WINDOW_MS = 60_000;

/** Resolves after `ms`, or early (with false) when the monitor is told to stop. */
function pause(ms: number, stopped: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms))),
    stopped.then(() => false),
  ]).finally(() => clearTimeout(timer));
}

export interface TakeBackOptions {
  /** The port, as the user named it. */
  url: string;
  /** The board's host-wide lock name (bench/boardLock.ts). */
  lockName: string;
  /** The longest wait for a holder to let go (--lease-timeout). */
  timeoutMs: number;
  /** Resolves on Ctrl-C / SIGTERM: every wait here ends with it. */
  stopped: Promise<void>;
  log: Logger;
}

/** The name a monitor claims a port under: beside the board's lock, not that lock itself. */
const claimName = (lockName: string) => `monitor ${lockName}`;

export class PortTakeBack {
  private readonly unknownLosses: number[] = [];
  private claimed: { release(): void } | undefined;

  constructor(private readonly opts: TakeBackOptions) {}

  /** Before each connection: this monitor is now the port's watcher. */
  claim(): void {
    this.claimed = claim(claimName(this.opts.lockName), `hil monitor, pid ${process.pid}`);
  }

  release(): void {
    this.claimed?.release();
  }

  /**
   * After the server closed the monitor's connection: waits while a run or hil command holds
   * the board, then connects with `open`, retrying with backoff while it fails. Resolves to what
   * `open` gave, or undefined when the monitor was stopped meanwhile; throws (exit 1) past the
   * bounds, or when a newer monitor took the port.
   */
  async after<T>(open: () => Promise<T>): Promise<T | undefined> {
    const { url, log } = this.opts;
    const holder = leaseHolder(this.opts.lockName);
    if (holder) {
      if (!(await this.waitFor(holder))) return undefined;
    } else {
      const rival = claimant(claimName(this.opts.lockName));
      if (rival && !(rival.pid === process.pid && rival.host === hostname())) {
        throw new HilError(`${url}: port taken by another hil monitor: ${describeHolder(rival)}; this one ends`, 'one monitor per port: the newest one watches', 1);
      }
      const now = Date.now();
      this.unknownLosses.push(now);
      const recent = this.unknownLosses.filter((t) => now - t <= FIGHT_WINDOW_MS);
      if (recent.length >= FIGHT_LOSSES) {
        throw new HilError(`${url}: another client keeps taking the port (${recent.length} times in ${FIGHT_WINDOW_MS / 1000} s); this monitor ends`, 'end that client, or monitor once it is done', 1);
      }
      log.warn({ port: url }, `${url}: the server closed the connection (another client took the port, or the server restarted); reconnecting`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await open();
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        const wait = RECONNECT_BACKOFF_MS[attempt];
        if (wait === undefined) {
          throw new HilError(`${url}: could not take the port back after ${attempt + 1} attempts: ${why}`, 'is the board (or its server) still running?', 1);
        }
        log.info({ port: url }, `${url}: cannot reconnect yet (${why}); attempt ${attempt + 2} of ${RECONNECT_BACKOFF_MS.length + 1} in ${wait / 1000} s`);
        if (!(await pause(wait, this.opts.stopped))) return undefined;
      }
    }
  }

  /** True once the holder let go; false when the monitor was stopped first. */
  private async waitFor(holder: Holder): Promise<boolean> {
    const { url, log, timeoutMs } = this.opts;
    const start = Date.now();
    log.warn({ port: url, holder }, `${url}: port taken by another client: ${describeHolder(holder)}; taking it back when it is free (waiting up to ${Math.round(timeoutMs / 1000)} s)`);
    let told = start;
    let now: Holder | undefined = holder;
    while (now) {
      const waited = Date.now() - start;
      if (waited >= timeoutMs) {
        throw new HilError(`${url}: still in use by ${describeHolder(now)} after ${Math.round(waited / 1000)} s`, 'monitor again when it is free, or raise --lease-timeout', 1);
      }
      if (Date.now() - told >= PROGRESS_MS) {
        told = Date.now();
        log.info({ port: url }, `${url}: still in use by ${describeHolder(now)}; ${Math.round((timeoutMs - waited) / 1000)} s left`);
      }
      if (!(await pause(POLL_MS, this.opts.stopped))) return false;
      now = leaseHolder(this.opts.lockName);
    }
    return true;
  }
}
