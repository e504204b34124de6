import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { boardLockName } from '../bench/boardLock.ts';
import { SummarySchema } from '../report/run/summary.ts';
import { benchCheckout, freshRoot, REPO, startHil } from '../testing/hilRun.ts';

test('a board that fails its bring-up fails one test with its reason; its other tests are listed as not run, none passed', async () => {
  test.setTimeout(180_000);
  const root = freshRoot('bring-up');
  const config = benchCheckout(root, 'checkout');
  const lockDir = join(root, 'locks');
  // Another process holds v0 for longer than the run will wait.
  const name = await boardLockName({ name: 'v0', port: 'virtual' }, config);
  const holder = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import('./harness/bench/lease.ts').then((m) => { m.acquireLease(${JSON.stringify(name)}, { purpose: 'a long flash', dir: ${JSON.stringify(lockDir)} }); console.log('held'); setInterval(() => {}, 1000); });`],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  const run = startHil(['test', '--boards', '1', '--lease-timeout', '1', '--', 'specs/tasks.spec.ts'], { config, lockDir, reportsDir: join(root, 'reports') });
  try {
    expect(await run.exited, run.output()).toBe(1);
    const reason = `still in use by pid ${holder.pid}`;
    const summaryDir = readdirSync(join(root, 'reports')).find((d) => /^\d{4}-/.test(d))!;
    const summary = SummarySchema.parse(JSON.parse(readFileSync(join(root, 'reports', summaryDir, 'summary.json'), 'utf8')));
    const failed = summary.tests.filter((t) => t.verdict === 'failed');
    const notRun = summary.tests.filter((t) => t.notRun);
    expect(failed, 'the bring-up failure is reported once').toHaveLength(1);
    expect(failed[0]!.error).toContain(reason);
    expect(notRun.length, 'the rest of the board’s tests').toBe(summary.tests.length - 1);
    for (const t of notRun) {
      expect(t.verdict).toBe('skipped');
      expect(t.notRun).toMatch(new RegExp(`^board v0 failed its bring-up earlier in this run: .*${reason}`));
    }
    expect(summary.tests.some((t) => t.verdict === 'passed')).toBe(false);
    expect(run.output().split(reason).length - 1, 'the reason is printed once, with the failed test').toBe(1);
  } finally {
    holder.kill('SIGKILL');
    run.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
