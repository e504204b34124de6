/**
 * `hil flash` on a board that another run holds: it waits, as `hil test` does, with a line
 * naming the holder, bounded by --lease-timeout; then it flashes. Real processes, real locks.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { boardLockName } from '../../bench/boardLock.ts';
import { acquireLease } from '../../bench/lease.ts';
import { freshRoot, marked, REPO, startHil, until } from '../../testing/hilRun.ts';

test.describe.configure({ timeout: 120_000 });

const IMAGE = join(REPO, 'fixtures/build/proplet.bin');

test('hil flash --board waits while another run holds the board, naming it, and flashes once it is free', async () => {
  const root = freshRoot('flash-waits');
  const config = join(root, 'lab.config.yaml');
  writeFileSync(config, ['version: 1', 'boards:', '  - { name: fw0, chip: esp32s3, port: virtual, reset: classic }', 'firmware:', `  image: ${IMAGE}`, 'propeller: { tenant: t0, channel: c0 }'].join('\n'));
  const lockDir = join(root, 'locks');
  const lease = acquireLease(await boardLockName({ name: 'fw0', port: 'virtual' }, config), { purpose: `hil virtual run, pid ${process.pid}`, dir: lockDir });
  const flash = startHil(['flash', '--board', 'fw0', '--lease-timeout', '60'], { config, lockDir, reportsDir: join(root, 'reports'), extra: { HIL_LOG_LEVEL: 'silent' } });
  try {
    const line = await until('the waiting line', 20_000, () => flash.output().split('\n').find((l) => l.includes('waiting for board virtual'))).catch(() => {
      throw new Error(`hil flash did not say it waits; its output:\n${flash.output()}`);
    });
    expect(line).toMatch(new RegExp(`^hil: fw0: waiting for board virtual .*: in use by pid ${process.pid} on .* \\(hil virtual run, pid ${process.pid}, since .*\\); 60 s left$`));
    expect(flash.child.exitCode, 'still waiting, not refused').toBeNull();
    lease.release();
    expect(await flash.exited, flash.output()).toBe(0);
    expect(flash.output()).toMatch(/^fw0: booted Zephyr/m);
    expect(marked(flash.mark)).toEqual([]);
  } finally {
    lease.release();
    flash.kill();
    rmSync(root, { recursive: true, force: true });
  }
});

test('hil flash --port gives up after --lease-timeout with one line naming the holder, exit 1, before touching the port', async () => {
  const root = freshRoot('flash-held');
  const lockDir = join(root, 'locks');
  // Nothing serves this port: a flash that got past the lease would fail differently.
  const port = 'rfc2217://127.0.0.1:9';
  const lease = acquireLease(await boardLockName({ name: 'x', port }, root), { purpose: 'hil test run, pid 1', dir: lockDir });
  try {
    const started = Date.now();
    const flash = startHil(['flash', '--port', port, '--lease-timeout', '1', IMAGE], { config: join(REPO, 'lab.config.yaml'), lockDir, reportsDir: join(root, 'reports'), extra: { HIL_LOG_LEVEL: 'silent' } });
    expect(await flash.exited, flash.output()).toBe(1);
    expect(Date.now() - started, 'bounded by the lease timeout (plus start-up)').toBeLessThan(15_000);
    const lines = flash.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^hil: board rfc2217://127\\.0\\.0\\.1:9 is still in use by pid ${process.pid} on .*\\(hil test run, pid 1, since .*\\) after 1 s \\(wait for that run to end, raise --lease-timeout`));
    expect(lines.filter((l) => l.includes('waiting for board rfc2217://127.0.0.1:9')), 'one progress line').toHaveLength(1);
  } finally {
    lease.release();
    rmSync(root, { recursive: true, force: true });
  }
});
