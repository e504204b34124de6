import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { benchCheckout, freshRoot, marked, startHil, until } from '../testing/hilRun.ts';

const SPEC = 'specs/boot.spec.ts';
/** The first run holds its board long enough for the third to find it taken. */
const LONG_SPEC = 'specs/tasks.spec.ts';

test('two virtual-bench runs on one host at once both pass, and a third on a bench in use waits for it', async () => {
  test.setTimeout(300_000);
  const root = freshRoot('two-runs');
  // One host: one lock folder and one reports folder for all three runs, as in one checkout's CI.
  const shared = { lockDir: join(root, 'locks'), reportsDir: join(root, 'reports') };
  const checkoutA = benchCheckout(root, 'a');
  const runs = [
    startHil(['test', '--boards', '1', '--', LONG_SPEC], { ...shared, config: checkoutA }),
    startHil(['test', '--boards', '1', '--', SPEC], { ...shared, config: benchCheckout(root, 'b') }),
  ];
  try {
    // The third starts once the first holds its board: same checkout, so the same board.
    await until('the first run’s board up', 60_000, () => (marked(runs[0]!.mark).some((p) => p.cmd.includes('firmware/virtual/main.ts')) ? true : undefined));
    runs.push(startHil(['test', '--boards', '1', '--lease-timeout', '240', '--', SPEC], { ...shared, config: checkoutA }));
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r, i) => `run ${i}:\n${r.output().slice(-3000)}`).join('\n')).toEqual([0, 0, 0]);
    expect(runs[2]!.output()).toMatch(/hil: v0: waiting for board virtual .*\/a\/\.hil\/virtual\/v0: in use by pid \d+ on .*; \d+ s left/);
    // Three run folders, each with its own transcript; the top-level report is a finished one.
    const own = readdirSync(shared.reportsDir).filter((d) => existsSync(join(shared.reportsDir, d, 'summary.json')));
    expect(own).toHaveLength(3);
    for (const d of own) expect(readFileSync(join(shared.reportsDir, d, 'console-v0.log'), 'utf8').length).toBeGreaterThan(0);
    const junit = readFileSync(join(shared.reportsDir, 'junit.xml'), 'utf8');
    expect(own.map((d) => readFileSync(join(shared.reportsDir, d, 'junit.xml'), 'utf8'))).toContain(junit);
    expect(own.map((d) => join(d, 'html'))).toContain(readlinkSync(join(shared.reportsDir, 'html')));
  } finally {
    for (const r of runs) r.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
