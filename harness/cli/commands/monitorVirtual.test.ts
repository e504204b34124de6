/**
 * `hil monitor` against a blank board from `hil virtual start`: the boot happened before the
 * monitor came, so only the reset on open shows it, and the ROM's rejection of the erased
 * flash is explained in one line.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freshRoot, REPO, startHil, until } from '../../testing/hilRun.ts';

function monitor(args: string[]) {
  const proc = spawn(process.execPath, ['harness/cli/hil.mjs', 'monitor', ...args], { cwd: REPO, env: { ...process.env, HIL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, exit, stdout: () => out, stderr: () => err };
}

test('hil monitor on a blank virtual board resets it, shows the ROM banner and says the board is blank; --no-reset does not', async () => {
  const root = freshRoot('monitor-blank');
  const board = startHil(['virtual', 'start', '--boards', '1', '--state', join(root, 'state')], {
    config: join(REPO, 'lab.config.yaml'),
    lockDir: join(root, 'locks'),
    reportsDir: join(root, 'reports'),
  });
  const runs: ReturnType<typeof monitor>[] = [];
  try {
    const url = await until('the board URL', 60_000, () => /^rfc2217:\/\/127\.0\.0\.1:\d+$/m.exec(board.output())?.[0]);

    const quiet = monitor([url, '--no-reset', '--transcript', join(root, 'quiet.log')]);
    runs.push(quiet);
    await until('the --no-reset monitor to start', 15_000, () => (quiet.stderr().includes('monitoring') ? true : undefined));
    // The board went silent after its boot; without a reset nothing new comes.
    await new Promise((r) => setTimeout(r, 2000));
    quiet.proc.kill('SIGINT');
    expect(await quiet.exit, quiet.stderr()).toBe(0);
    expect(quiet.stdout(), 'no boot without a reset').not.toContain('rom.banner');

    const run = monitor([url, '--transcript', join(root, 'monitor.log')]);
    runs.push(run);
    await until('the blank hint', 20_000, () => (run.stderr().includes('is blank') ? true : undefined)).catch(() => {
      throw new Error(`no blank hint; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    });
    run.proc.kill('SIGINT');
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/ rom\.banner +rst:0x\w+ \(/);
    expect(run.stdout()).toContain('invalid header: 0xffffffff');
    const hint = run.stderr().split('\n').filter((l) => l.includes('is blank'));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toContain(`flash it with hil flash --port ${url} IMAGE`);
  } finally {
    for (const r of runs) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    board.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
