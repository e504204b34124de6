import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { VirtualBoard } from '../../bench/virtualBoards.ts';

const HIL = new URL('../hil.mjs', import.meta.url).pathname;
const run = promisify(execFile);

async function hil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [HIL, ...args], { timeout: 60_000, env: { ...process.env, HIL_LOG_LEVEL: 'info' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('hil provision sets up a virtual board over RFC 2217 and the board boots with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-provision-'));
  const board = await VirtualBoard.start({ stateDir: join(dir, 'board'), firmware: 'fixtures/build/proplet.bin' });
  try {
    const transcript = join(dir, 'console.log');
    const args = ['provision', '--port', board.url, '--broker-host', '127.0.0.1', '--broker-port', '1883', '--proplet-id', 'cli-1', '--api-key', 'k', '--tenant', 't', '--channel', 'c', '--transcript', transcript];
    const done = await hil(args);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('provisioned');
    const seen = readFileSync(transcript, 'utf8');
    expect(seen).toContain('settings write string proplet/proplet_id cli-1');
    expect(seen).toContain('rst:0x3 (RTC_SW_SYS_RST)');
    expect(seen).toMatch(/<inf> main: Starting Proplet version=1\.0\.0/);
  } finally {
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hil provision names what is missing, with exit code 2', async () => {
  const done = await hil(['provision', '--port', 'rfc2217://127.0.0.1:9', '--broker-host', 'h', '--tenant', 't', '--channel', 'c']);
  expect(done.code).toBe(2);
  expect(done.stderr).toMatch(/hil: bad or missing options: --broker-port: .*--proplet-id: .*--api-key: /);
});
