import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { acquireLease, waitForLease } from './lease.ts';

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

/** A real process that takes a lease through lease.ts, holds it for `holdMs` and lets it go. */
function holder(dir: string, name: string, holdMs: number) {
  const script = `import('./harness/bench/lease.ts').then((m) => {
    const lease = m.acquireLease(${JSON.stringify(name)}, { purpose: 'the other run', dir: ${JSON.stringify(dir)} });
    console.log('held');
    setTimeout(() => { lease.release(); process.exit(0); }, ${holdMs});
  });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { child, held };
}

test('a run waits for a board another process holds, says who, and takes it when it is free', async () => {
  const dir = freshDir();
  const other = holder(dir, 'board /dev/ttyUSB0', 1_500);
  await other.held;
  const lines: string[] = [];
  const started = Date.now();
  const lease = await waitForLease('board /dev/ttyUSB0', { purpose: 'suite', dir, timeoutMs: 20_000, onWait: (l) => lines.push(l) });
  expect(Date.now() - started, 'it waited for the holder to let go').toBeGreaterThan(500);
  expect(lines[0]).toMatch(new RegExp(`^waiting for board /dev/ttyUSB0: in use by pid ${other.child.pid} on .* \\(the other run, since .*\\); \\d+ s left$`));
  lease.release();
});

test('the wait is bounded: past the lease timeout it fails naming the holder', async () => {
  const dir = freshDir();
  const other = holder(dir, 'board rfc2217://bench2:4000', 30_000);
  try {
    await other.held;
    const err = await waitForLease('board rfc2217://bench2:4000', { purpose: 'suite', dir, timeoutMs: 700 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).line()).toMatch(new RegExp(`^board rfc2217://bench2:4000 is still in use by pid ${other.child.pid} on .* after 1 s \\(wait for that run to end, raise --lease-timeout`));
  } finally {
    other.child.kill('SIGKILL');
  }
});
