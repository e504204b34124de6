import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

const HIL = new URL('./hil.mjs', import.meta.url).pathname;

function hil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HIL, ...args], { timeout: 30_000, env: { ...process.env, HIL_CONFIG: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

// A bench of only virtual boards: `hil test --lab` refuses it and names the file, which shows
// which bench file was read, without starting any run.
const VIRTUAL_ONLY = `version: 1
boards:
  - { name: only-v, chip: esp32s3, port: virtual }
firmware: { image: proplet.bin }
propeller: { tenant: t1, channel: c1 }
`;

test('--config is read before or after the command, also as --config=FILE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-main-'));
  const bench = join(dir, 'bench.yaml');
  writeFileSync(bench, VIRTUAL_ONLY);
  for (const args of [
    ['--config', bench, 'test', '--lab'],
    ['test', '--lab', '--config', bench],
    ['test', `--config=${bench}`, '--lab'],
  ]) {
    const run = await hil(args);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    expect(run.stderr.trim()).toBe(`hil: ${bench} has no lab boards (all are virtual) (describe your boards in a bench file and pass it with --config)`);
  }
});

test('--config without a value is a usage error in one line', async () => {
  const run = await hil(['boards', '--config']);
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe('hil: --config expects a value (run hil --help)');
});
