import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Who holds a lease: enough to tell a live holder from a dead one and to name it. */
interface Holder {
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

/**
 * Takes the cross-process lease on a named resource (a board, a broker port). The lock is a
 * file created with O_EXCL, so exactly one process wins; a lock left by a dead process on
 * this host is taken over with a warning.
 */
export function acquireLease(name: string, opts: { purpose: string; log?: Logger; dir?: string }): Lease {
  const dir = opts.dir ?? defaultLockDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose: opts.purpose };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      return {
        name,
        release() {
          if (released) return;
          released = true;
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && (holder.host !== me.host || alive(holder.pid))) {
        throw new HilError(
          `${name} is in use by pid ${holder.pid} on ${holder.host} (${holder.purpose}, since ${holder.since})`,
          `wait for that run to end, or remove ${path} if it is gone`,
        );
      }
      opts.log?.warn({ lease: name, stale: holder }, `taking over a stale lock on ${name} left by a process that is gone`);
      rmSync(path, { force: true });
    }
  }
  throw new HilError(`could not lock ${name}: another process keeps taking it`, `check ${dir}`);
}
