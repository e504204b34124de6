import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { benchCheckout, freshRoot, marked, startHil, until } from '../testing/hilRun.ts';

/** What the issue asks: everything the run started is gone this long after the signal. */
const STOP_WITHIN_MS = 5_000;

/** A real `hil test` on one virtual board in a bench of its own, once its board is up. */
async function startRun() {
  const root = freshRoot('signal');
  const run = startHil(['test', '--boards', '1', '--', 'specs/tasks.spec.ts'], {
    config: benchCheckout(root, 'checkout'),
    lockDir: join(root, 'locks'),
    reportsDir: join(root, 'reports'),
  });
  await until('a virtual board of the run', 60_000, () => (marked(run.mark).some((p) => p.cmd.includes('firmware/virtual/main.ts')) ? true : undefined));
  return {
    ...run,
    root,
    cleanup: () => {
      run.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The run's processes still there STOP_WITHIN_MS after `since` (or none, as soon as none are). */
function leftAfter(mark: string, since: number) {
  return until('', STOP_WITHIN_MS + 1_000, () => {
    const now = marked(mark);
    return now.length === 0 || Date.now() - since > STOP_WITHIN_MS ? now : undefined;
  });
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} of hil test ends the whole run within 5 s, says so and exits ${code}`, async () => {
    test.setTimeout(120_000);
    const run = await startRun();
    try {
      expect(marked(run.mark).length, 'the run is under way: hil, the runner, a worker, a board').toBeGreaterThanOrEqual(4);
      const sent = Date.now();
      run.child.kill(signal);
      expect(await run.exited, run.output()).toBe(code);
      expect(run.output()).toContain(`hil: ${signal}: stopping the run`);
      expect(await leftAfter(run.mark, sent), 'processes of the run left 5 s after the signal').toEqual([]);
      expect(existsSync(join(run.root, 'reports', 'junit.xml')), 'a stopped run does not replace the top-level report').toBe(false);
    } finally {
      run.cleanup();
    }
  });
}

test('SIGKILL of hil test: the runner, its workers and boards notice and go within 5 s', async () => {
  test.setTimeout(120_000);
  const run = await startRun();
  try {
    const sent = Date.now();
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    expect(await leftAfter(run.mark, sent), 'processes of the run left 5 s after hil was killed').toEqual([]);
  } finally {
    run.cleanup();
  }
});
