import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { ensureFixtures, fixture, removeState, startBoard, type TestBoard } from '../../testing/virtualBoard.ts';
import { requirePeers } from '../../testing/peers.ts';
import { openTransport } from '../../transport/open.ts';

// `hil flash` as a person runs it: a process, its stdout, one line on stderr when it fails,
// and its exit code. Logs are silenced so that stderr holds only the CLI's own line.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HIL = join(ROOT, 'harness', 'cli', 'hil.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hil(...args: string[]): Promise<Run> {
  return hilWith({}, 'flash', ...args);
}

function hilWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HIL, ...args], { cwd: ROOT, env: { ...process.env, HIL_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A failure the way the issue wants it: exit code, and one readable line without a stack. */
function expectOneLine(run: Run, code: number, pattern: RegExp): void {
  expect(run.code, `exit code; stderr was: ${run.stderr}`).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines, `stderr: ${run.stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^hil: /);
  expect(lines[0]).toMatch(pattern);
}

let board: TestBoard;

test.beforeAll(async () => {
  ensureFixtures();
  board = await startBoard();
});

test.afterAll(async () => {
  await board?.stop();
  if (board) removeState(board);
});

test('flashes a board, then finds the image unchanged on the second run', async () => {
  const first = await hil('--port', board.url, fixture('proplet.bin'));
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/: proplet @0x0 49376 B written and verified, \d+ KiB\/s\n/);
  expect(first.stdout).toMatch(/: booted Zephyr v4\.0\.0 version 1\.0\.0 \(\d+\.\d s\)\n$/);
  const second = await hil('--port', board.url, fixture('proplet.bin'));
  expect(second.code, second.stderr).toBe(0);
  expect(second.stdout).toMatch(/: proplet @0x0 49376 B unchanged\n/);
});

test('a missing image file is exit 2 with one line', async () => {
  expectOneLine(await hil('--port', board.url, join(ROOT, 'fixtures', 'build', 'missing.bin')), 2, /image file .*missing\.bin not found/);
});

test('an image for another chip is refused with exit 2', async () => {
  expectOneLine(await hil('--port', board.url, fixture('wrong-chip.bin')), 2, /is built for ESP32-C3, this bench expects ESP32-S3/);
});

/** Every file of the board's state (its flash among them) with its bytes: what a write would change. */
function stateBytes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

test('random bytes or a text file are refused with exit 2 before a byte reaches the board', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-garbage-'));
  try {
    writeFileSync(join(dir, 'random.bin'), Buffer.concat([Buffer.from([0x5a]), randomBytes(64 * 1024)]));
    writeFileSync(join(dir, 'notes.txt'), 'this is the release note, not the firmware\n'.repeat(100));
    const before = stateBytes(board.stateDir);
    expectOneLine(await hil('--port', board.url, join(dir, 'random.bin')), 2, /random\.bin is not an ESP32-S3 image: it starts with 0x5a, an image with 0xe9; nothing was written/);
    expectOneLine(await hil('--port', board.url, join(dir, 'notes.txt')), 2, /notes\.txt is not an ESP32-S3 image: it starts with 0x74/);
    expect(stateBytes(board.stateDir), 'the board\u2019s flash is untouched').toEqual(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage mistakes are exit 2', async () => {
  expectOneLine(await hil('--port', board.url, '--manifest', 'a.json', fixture('proplet.bin')), 2, /give an IMAGE or --manifest, not both/);
  expectOneLine(await hil('--port', board.url, '--reset', 'sometimes', fixture('proplet.bin')), 2, /--reset expects classic, usb-jtag or none/);
  expectOneLine(await hil('--bogus'), 2, /Unknown option '--bogus'/);
});

test('a port that does not exist is exit 1', async () => {
  expectOneLine(await hil('--port', '/dev/ttyHIL-does-not-exist', fixture('proplet.bin')), 1, /no such serial device \/dev\/ttyHIL-does-not-exist/);
});

test('a busy port is exit 1 with one line', async () => {
  requirePeers('socat');
  const dir = mkdtempSync(join(tmpdir(), 'hil-busy-'));
  const link = join(dir, 'tty');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${link}`, `pty,raw,echo=0,link=${join(dir, 'other')}`], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 3000;
    while (!existsSync(link)) {
      if (Date.now() > deadline) throw new Error('socat did not create the pty within 3 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const holder = await openTransport(link, { baud: 115200, log: pino({ level: 'silent' }) });
    try {
      expectOneLine(await hil('--port', link, '--reset', 'none', fixture('proplet.bin')), 1, /is busy/);
    } finally {
      await holder.close();
    }
  } finally {
    socat.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a board that never enters download mode fails in bounded time with exit 1', async () => {
  // reset: none and a board running its app: nothing answers the sync.
  expectOneLine(
    await hil('--port', board.url, '--reset', 'none', fixture('proplet.bin')),
    1,
    /did not answer the bootloader sync within \d+ s — is it in download mode\? hold BOOT and press RESET/,
  );
});

test('the bench from the config: a virtual board is flashed, then found unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-bench-'));
  try {
    const config = join(dir, 'lab.config.yaml');
    const bench = (version: string) =>
      [
        'version: 1',
        'boards:',
        '  - { name: flashcli0, chip: esp32s3, port: virtual, reset: classic }',
        'firmware:',
        `  image: ${fixture('proplet.bin')}`,
        `  expectVersion: ${version}`,
        'propeller: { tenant: t0, channel: c0 }',
      ].join('\n');
    writeFileSync(config, bench('1.0.0'));
    // Locks of its own, so that this run never meets another test's leases.
    const env = { HIL_LOCK_DIR: join(dir, 'locks') };
    const first = await hilWith(env, '--config', config, 'flash');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^flashcli0: proplet @0x0 49376 B written and verified/m);
    const second = await hilWith(env, '--config', config, 'flash', '--board', 'flashcli0');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^flashcli0: proplet @0x0 49376 B unchanged$/m);
    expectOneLine(await hilWith(env, '--config', config, 'flash', '--board', 'nope'), 2, /no board named "nope"/);
    writeFileSync(config, bench('2.0.0'));
    expectOneLine(await hilWith(env, '--config', config, 'flash'), 2, /is version 1\.0\.0, but firmware\.expectVersion in the config is 2\.0\.0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
