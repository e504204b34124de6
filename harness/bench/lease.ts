import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Who holds a lease: enough to tell a live holder from a dead one and to name it. */
export interface Holder {
  pid: number;
  host: string;
  since: string;
  purpose: string;
}

export interface Lease {
  readonly name: string;
  release(): void;
}

/** Locks shared by every run on this host, so two runs never drive the same board. */
export function defaultLockDir(): string {
  return process.env.HIL_LOCK_DIR ?? join(tmpdir(), 'proplet-hil-locks');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

export interface LeaseOptions {
  purpose: string;
  log?: Logger;
  dir?: string;
}

/** The lease, or who holds it now. A lock left by a dead process on this host is taken over with a warning. */
function tryLease(name: string, opts: LeaseOptions): { lease: Lease; path: string } | { holder: Holder; path: string } {
  const dir = opts.dir ?? defaultLockDir();
  ensureSharedDir(dir);
  const path = join(dir, lockFileName(name));
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose: opts.purpose };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      return {
        path,
        lease: {
          name,
          release() {
            if (released) return;
            released = true;
            if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && (holder.host !== me.host || alive(holder.pid))) return { holder, path };
      opts.log?.warn({ lease: name, stale: holder }, `taking over a stale lock on ${name} left by a process that is gone`);
      rmSync(path, { force: true });
    }
  }
  throw new HilError(`could not lock ${name}: another process keeps taking it`, `check ${dir}`);
}

/** Who holds the lease on `name` now, if a live process does (read only: nothing is taken). */
export function leaseHolder(name: string, dir = defaultLockDir()): Holder | undefined {
  const holder = readHolder(join(dir, lockFileName(name)));
  if (!holder) return undefined;
  return holder.host !== hostname() || alive(holder.pid) ? holder : undefined;
}

function lockFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`;
}

/**
 * A claim the last to make wins, not a lock: who watches a port (hil monitor), so that a
 * watcher pushed off by a newer one can tell and step back instead of fighting over the port.
 */
export function claim(name: string, purpose: string, dir = defaultLockDir()): { release(): void } {
  ensureSharedDir(dir);
  const path = join(dir, lockFileName(name));
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose };
  // Renamed into place: a reader sees the old claim or the new one, never half of one.
  const draft = `${path}.${process.pid}`;
  try {
    writeFileSync(draft, JSON.stringify(me));
    renameSync(draft, path);
  } catch {
    // Another user's claim in the sticky folder cannot be replaced: theirs stands, and ours is none.
    rmSync(draft, { force: true });
    return { release() {} };
  }
  return {
    release() {
      const now = readHolder(path);
      if (now?.pid === process.pid && now.host === me.host) rmSync(path, { force: true });
    },
  };
}

/** The live process whose claim on `name` stands, if any (leaseHolder for claims). */
export const claimant = leaseHolder;

export function describeHolder(holder: Holder): string {
  return `pid ${holder.pid} on ${holder.host} (${holder.purpose}, since ${holder.since})`;
}

/**
 * Takes the cross-process lease on a named resource (a board, a broker port) at once, or
 * fails naming the holder. The lock is a file created with O_EXCL, so exactly one process wins.
 */
export function acquireLease(name: string, opts: LeaseOptions): Lease {
  const got = tryLease(name, opts);
  if ('lease' in got) return got.lease;
  throw new HilError(`${name} is in use by ${describeHolder(got.holder)}`, `wait for that run to end, or remove ${got.path} if it is gone`);
}

export interface WaitOptions extends LeaseOptions {
  timeoutMs: number;
  /** Told who holds the lease when the wait begins and every PROGRESS_MS after: one line for a person. */
  onWait?: (line: string) => void;
}

const POLL_MS = 250;
const PROGRESS_MS = 10_000;

/**
 * Takes the lease, waiting up to `timeoutMs` while another process holds it (another run of
 * the same bench, a `hil flash` in another terminal), and saying who that is.
 */
export async function waitForLease(name: string, opts: WaitOptions): Promise<Lease> {
  const start = Date.now();
  let told = -Infinity;
  for (;;) {
    const got = tryLease(name, opts);
    if ('lease' in got) return got.lease;
    const waited = Date.now() - start;
    if (waited >= opts.timeoutMs) {
      throw new HilError(
        `${name} is still in use by ${describeHolder(got.holder)} after ${Math.round(waited / 1000)} s`,
        `wait for that run to end, raise --lease-timeout, or remove ${got.path} if it is gone`,
      );
    }
    if (waited - told >= PROGRESS_MS) {
      told = waited;
      opts.onWait?.(`waiting for ${name}: in use by ${describeHolder(got.holder)}; ${Math.round((opts.timeoutMs - waited) / 1000)} s left`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** How long a run waits for a board another process holds: HIL_LEASE_TIMEOUT_S (hil test --lease-timeout). */
export function leaseTimeoutMs(env = process.env): number {
  const s = Number(env.HIL_LEASE_TIMEOUT_S ?? DEFAULT_LEASE_TIMEOUT_S);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : DEFAULT_LEASE_TIMEOUT_S * 1000;
}

export const DEFAULT_LEASE_TIMEOUT_S = 600;

/** The lock folder is shared by every user of the host: world-writable and sticky, like /tmp. */
function ensureSharedDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  try {
    chmodSync(dir, 0o1777);
  } catch {
    // Made by someone else meanwhile: theirs to set.
  }
}
