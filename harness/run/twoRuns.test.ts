import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { boardLockName } from '../bench/boardLock.ts';
import { benchCheckout, freshRoot, REPO, startHil, until } from '../testing/hilRun.ts';

const SPEC = 'specs/boot.spec.ts';

test('two virtual-bench runs on one host at once both pass, and a run whose board is held waits for it, naming the holder', async () => {
  test.setTimeout(300_000);
  const root = freshRoot('two-runs');
  // One host: one lock folder and one reports folder for all three runs, as in one checkout's CI.
  const shared = { lockDir: join(root, 'locks'), reportsDir: join(root, 'reports') };
  // The third run's board is held by another process (a hil flash in another terminal, say)
  // until that run says it is waiting.
  const checkoutC = benchCheckout(root, 'c');
  const name = await boardLockName({ name: 'v0', port: 'virtual' }, checkoutC);
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./harness/bench/lease.ts').then((m) => { const l = m.acquireLease(${JSON.stringify(name)}, { purpose: 'hil flash', dir: ${JSON.stringify(shared.lockDir)} }); console.log('held'); process.on('SIGTERM', () => { l.release(); process.exit(0); }); setInterval(() => {}, 1000); });`,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  const runs = [
    startHil(['test', '--boards', '1', '--', SPEC], { ...shared, config: benchCheckout(root, 'a') }),
    startHil(['test', '--boards', '1', '--', SPEC], { ...shared, config: benchCheckout(root, 'b') }),
    startHil(['test', '--boards', '1', '--lease-timeout', '240', '--', SPEC], { ...shared, config: checkoutC }),
  ];
  try {
    await until('the third run waiting for its board', 120_000, () => (/hil: v0: waiting for board virtual /.test(runs[2]!.output()) ? true : undefined));
    expect(runs[2]!.output()).toMatch(new RegExp(`hil: v0: waiting for board virtual .*/c/\\.hil/virtual/v0: in use by pid ${holder.pid} on .* \\(hil flash, since .*\\); \\d+ s left`));
    holder.kill('SIGTERM');
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r, i) => `run ${i}:\n${r.output().slice(-3000)}`).join('\n')).toEqual([0, 0, 0]);
    // Three run folders, each with its own transcript; the top-level report is a finished one.
    const own = readdirSync(shared.reportsDir).filter((d) => existsSync(join(shared.reportsDir, d, 'summary.json')));
    expect(own).toHaveLength(3);
    for (const d of own) expect(readFileSync(join(shared.reportsDir, d, 'console-v0.log'), 'utf8').length).toBeGreaterThan(0);
    const junit = readFileSync(join(shared.reportsDir, 'junit.xml'), 'utf8');
    expect(own.map((d) => readFileSync(join(shared.reportsDir, d, 'junit.xml'), 'utf8'))).toContain(junit);
    expect(own.map((d) => join(d, 'html'))).toContain(readlinkSync(join(shared.reportsDir, 'html')));
  } finally {
    holder.kill('SIGKILL');
    for (const r of runs) r.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
