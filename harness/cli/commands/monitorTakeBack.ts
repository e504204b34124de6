import { describeHolder, leaseHolder, type Holder } from '../../bench/lease.ts';
import { HilError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/**
 * How `hil monitor` gets its port back after another client took it. An RFC 2217 server that
 * lets a new connection replace the old one (a virtual board, ser2net with kickolduser) drops
 * the monitor when `hil flash` or a test run connects. Reconnecting at once would take the port
 * from that client in the middle of its work, so the monitor first asks the board's host-wide
 * lease who holds it — every hil command and run that drives a board takes it — and waits for
 * that holder to let go. Nobody holding it means a client outside the harness or a server that
 * restarted: then a few reconnects with backoff, bounded.
 */

/** Between looks at the lease: quick enough that the boot after a flash is not missed by much. */
const POLL_MS = 200;
/** A progress line this often while the port stays taken. */
const PROGRESS_MS = 10_000;
/** Pauses before each reconnect when nobody known holds the port: 15.5 s in all. */
export const RECONNECT_BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

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

/**
 * After the server closed the monitor's connection: waits while a run or hil command holds the
 * board, then connects with `open`, retrying with backoff while it fails. Resolves to what
 * `open` gave, or undefined when the monitor was stopped meanwhile; throws (exit 1) past the bounds.
 */
export async function takeBack<T>(opts: TakeBackOptions, open: () => Promise<T>): Promise<T | undefined> {
  const { url, log } = opts;
  const holder = leaseHolder(opts.lockName);
  if (holder) {
    const start = Date.now();
    log.warn(
      { port: url, holder },
      `${url}: port taken by another client: ${describeHolder(holder)}; taking it back when it is free (waiting up to ${Math.round(opts.timeoutMs / 1000)} s)`,
    );
    let told = start;
    let now: Holder | undefined = holder;
    while (now) {
      const waited = Date.now() - start;
      if (waited >= opts.timeoutMs) {
        throw new HilError(`${url}: still in use by ${describeHolder(now)} after ${Math.round(waited / 1000)} s`, 'monitor again when it is free, or raise --lease-timeout', 1);
      }
      if (Date.now() - told >= PROGRESS_MS) {
        told = Date.now();
        log.info({ port: url }, `${url}: still in use by ${describeHolder(now)}; ${Math.round((opts.timeoutMs - waited) / 1000)} s left`);
      }
      if (!(await pause(POLL_MS, opts.stopped))) return undefined;
      now = leaseHolder(opts.lockName);
    }
  } else {
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
      if (!(await pause(wait, opts.stopped))) return undefined;
    }
  }
}
