import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

const HIL = new URL('../hil.mjs', import.meta.url).pathname;

test('hil test refuses a run id whose folder holds an earlier run, in one line with exit 2, and touches nothing of it', async () => {
  const reports = mkdtempSync(join(tmpdir(), 'hil-runid-'));
  try {
    const earlier = join(reports, 'nightly-1');
    mkdirSync(earlier);
    writeFileSync(join(earlier, 'setup-failed-v0.txt'), 'board v0: no boot within 3000 ms');
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [HIL, 'test', '--virtual'],
        { timeout: 60_000, env: { ...process.env, CI: '', HIL_REPORTS_DIR: reports, HIL_RUN_ID: 'nightly-1' } },
        (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(`hil: ${earlier} already holds a run (HIL_RUN_ID=nightly-1): choose another HIL_RUN_ID, or remove the folder`);
    expect(readdirSync(earlier)).toEqual(['setup-failed-v0.txt']);
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});
