import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { alive } from './testing/boardProcess.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));


test('a board whose starter dies without stopping it goes too', async () => {
  const state = mkdtempSync(join(tmpdir(), 'hil-orphan-'));
  // The starter prints the board's pid once the board listens, then dies without a word to it.
  const starter = `
    import { spawn } from 'node:child_process';
    const board = spawn(process.execPath, ['--import', 'tsx', 'firmware/virtual/main.ts', '--state', ${JSON.stringify(state)}], { stdio: ['ignore', 'pipe', 'ignore'] });
    board.stdout.once('data', () => { process.stdout.write(String(board.pid)); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', starter], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))));
  expect(pid).toBeGreaterThan(0);
  await expect.poll(() => alive(pid), { timeout: 10_000, message: `board ${pid} still running after its starter died` }).toBe(false);
});
