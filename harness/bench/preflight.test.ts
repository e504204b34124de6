import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO } from '../testing/hilRun.ts';

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

// HIL_RUN_ID unset: a run of its own, never the id (and folder) of the test run around it.
function hil(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['harness/cli/hil.mjs', ...args], { cwd: REPO, env: { ...process.env, HIL_LOG_LEVEL: 'silent', HIL_RUN_ID: undefined, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

test('a lab bench with five setup mistakes: five lines, exit 2, and no runner started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-preflight-'));
  // A port that refuses (listened on, then closed) and a broker port someone else holds.
  const gone = await listening();
  const refusing = portOf(gone);
  await new Promise((r) => gone.close(r));
  const taken = await listening();
  try {
    writeFileSync(
      join(dir, 'lab.yaml'),
      [
        'version: 1',
        'boards:',
        '  - { name: unplugged, chip: esp32s3, port: /dev/ttyHIL-unplugged, reset: classic }',
        `  - { name: remote, chip: esp32s3, port: "rfc2217://127.0.0.1:${refusing}", reset: classic }`,
        `broker: { bind: 127.0.0.1, basePort: ${portOf(taken)}, advertisedHost: 192.168.50.10 }`,
        'firmware: { image: build/zephyr.bin }',
        'propeller: { tenant: t0, channel: c0, proplets: { remote: { id: r-1, apiKey: k-1 } } }',
      ].join('\n'),
    );
    const run = await hil(['--config', join(dir, 'lab.yaml'), 'test', '--lab']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n').sort()).toEqual(
      [
        `hil: firmware: image file ${join(dir, 'build/zephyr.bin')} not found (build the firmware or fix the path; npm run fixtures builds the virtual images)`,
        'hil: propeller.proplets.unplugged: no proplet id and API key for board "unplugged" (add "unplugged: { id: <proplet id>, apiKey: ${ENV_VAR} }" under propeller.proplets in the config)',
        'hil: board unplugged: port /dev/ttyHIL-unplugged does not exist (is the board plugged in? hil boards lists the ports)',
        `hil: board remote: rfc2217://127.0.0.1:${refusing} does not answer (ECONNREFUSED)`,
        `hil: broker.basePort: port ${portOf(taken)} (board unplugged's broker) cannot be used on 127.0.0.1 (EADDRINUSE)`,
      ].sort(),
    );
    expect(run.stdout, 'the runner never started').not.toMatch(/Running \d+ test/);
    test.info().annotations.push({ type: 'verdict', description: `exit ${run.code} after ${run.ms} ms` });
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the virtual bench with a text file for firmware: one line, exit 2, before any board starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-preflight-'));
  try {
    writeFileSync(join(dir, 'firmware.txt'), 'not a firmware image\n');
    const run = await hil(['test', '--firmware', join(dir, 'firmware.txt')]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hil: firmware: image file .*firmware\.txt is not an ESP32-S3 image: it starts with 0x6e/)]);
    expect(run.stdout).not.toMatch(/Running \d+ test/);
    test.info().annotations.push({ type: 'verdict', description: `exit ${run.code} after ${run.ms} ms` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
