import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { acquireLease } from './lease.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'hil-locks-'));

test('a second lease on the same board is refused and names the holder', () => {
  const dir = freshDir();
  const first = acquireLease('board-v0', { purpose: 'suite', dir });
  const err = (() => {
    try {
      acquireLease('board-v0', { purpose: 'flash', dir });
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain(`pid ${process.pid}`);
  first.release();
  acquireLease('board-v0', { purpose: 'flash', dir }).release();
});

test('a lease held by another live process is refused', async () => {
  const dir = freshDir();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    writeFileSync(join(dir, 'board-v1.lock'), JSON.stringify({ pid: child.pid, host: hostname(), since: 'now', purpose: 'other run' }));
    expect(() => acquireLease('board-v1', { purpose: 'suite', dir })).toThrow(/in use by pid/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a stale lock from a dead process is taken over with a warning', async () => {
  const dir = freshDir();
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  writeFileSync(join(dir, 'board-v2.lock'), JSON.stringify({ pid: child.pid, host: hostname(), since: 'then', purpose: 'crashed run' }));
  const warnings: unknown[] = [];
  const log = { warn: (o: unknown) => warnings.push(o) } as unknown as import('../log.ts').Logger;
  const lease = acquireLease('board-v2', { purpose: 'suite', dir, log });
  expect(warnings).toHaveLength(1);
  lease.release();
  expect(existsSync(join(dir, 'board-v2.lock'))).toBe(false);
});
