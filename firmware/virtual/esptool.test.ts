/**
 * Espressif's own esptool (the pinned 5.x that .ci/install-peers installs) against a virtual
 * board over rfc2217://: the judge of the download mode. Where esptool and the model
 * disagree, the model is wrong. The only thing borrowed from harness/ is the peer locator.
 * Images are small: over RFC 2217 pyserial renegotiates the port settings whenever esptool
 * changes its read timeout, so every command costs about 0.2 s whatever the board does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { requireInstalledPeer } from './testing/peers.ts';
import { startBoard, type BoardProcess } from './testing/boardProcess.ts';

// One board for the file, commands in order; each esptool run connects afresh (5-10 s here).
test.describe.configure({ mode: 'serial', timeout: 180_000 });

let esptool: string;
let dir: string;
let board: BoardProcess;
let mac: string;

interface Run {
  code: number;
  output: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(esptool, ['--port', board.url, ...args], { timeout: 90_000, cwd: dir }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** esptool must succeed; a failure shows its output and the board's last log lines. */
async function ok(...args: string[]): Promise<string> {
  const result = await run(...args);
  const boardLog = board.stderr().split('\n').slice(-8).join('\n');
  expect(result.code, `esptool ${args.join(' ')} failed:\n${result.output}\n--- board log (tail):\n${boardLog}`).toBe(0);
  return result.output;
}

/** The board's own log of its boots ("boot rst=<cause> <download|flash>") since `mark`. */
function bootsSince(mark: number): string[] {
  return [...board.stderr().slice(mark).matchAll(/boot rst=(\S+) (download|flash)/g)].map((m) => `${m[1]} ${m[2]}`);
}

function file(name: string, bytes: Buffer): string {
  writeFileSync(join(dir, name), bytes);
  return name;
}

test.beforeAll(async () => {
  esptool = requireInstalledPeer('esptool');
  dir = mkdtempSync(join(tmpdir(), 'esptool-'));
  board = await startBoard(['--state', join(dir, 'state')]);
  mac = (JSON.parse(readFileSync(join(dir, 'state', 'identity.json'), 'utf8')) as { mac: string }).mac;
});

test.afterAll(async () => {
  if (board) {
    board.child.kill('SIGTERM');
    await board.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('chip-id and flash-id read the chip as esptool knows an ESP32-S3 N8R8', async () => {
  const chip = await ok('chip-id');
  expect(chip).toContain('Chip type:          ESP32-S3 (QFN56) (revision v0.2)');
  expect(chip).toContain('Embedded PSRAM 8MB (AP_3v3)');
  expect(chip).toContain(`MAC:                ${mac}`);
  expect(chip, 'the stub greeted').toContain('Stub flasher running.');
  const flash = await ok('--no-stub', 'flash-id');
  expect(flash).toMatch(/Manufacturer: c8\s+Device: 4017\s+Detected flash size: 8MB/);
  // The SFDP signature, read through the SPI user command as esptool does.
  expect(await ok('--no-stub', 'read-flash-sfdp', '0', '4')).toContain('SFDP[0..3]: 0x53 0x46 0x44 0x50');
});

test('write-flash compressed and -u, by the stub and by the ROM, each verified and read back byte for byte', async () => {
  const images = [
    { offset: 0x10000, args: [] as string[], verify: true },
    { offset: 0x20000, args: ['-u'], skipReadBack: true },
    { offset: 0x30000, args: [], rom: true },
    { offset: 0x40000, args: ['-u'], rom: true, verify: true, skipReadBack: true },
  ];
  for (const [i, image] of images.entries()) {
    const bytes = Buffer.concat([randomBytes(6000), Buffer.alloc(6000, i)]);
    const name = file(`image${i}.bin`, bytes);
    const at = `0x${image.offset.toString(16)}`;
    const stub = image.rom ? ['--no-stub'] : [];
    const written = await ok(...stub, 'write-flash', ...image.args, at, name);
    expect(written, `${at}: esptool checks the MD5 after writing`).toContain('Hash of data verified.');
    if (image.verify) expect(await ok(...stub, 'verify-flash', at, name)).toContain('Verification successful (digest matched).');
    // write-flash has checked each image's MD5 already; two of them are read back as well. The
    // ROM reads 64 bytes per command: a short read keeps the test quick.
    if (image.skipReadBack) continue;
    const length = image.rom ? 256 : bytes.length;
    await ok(...stub, 'read-flash', at, String(length), `back${i}.bin`);
    expect(readFileSync(join(dir, `back${i}.bin`)).equals(bytes.subarray(0, length)), `${at} reads back as written`).toBe(true);
  }
});

test('erase-region leaves erased flash (0xFF) where an image was', async () => {
  await ok('erase-region', '0x20000', '0x1000');
  await ok('read-flash', '0x20000', '0x1000', 'erased.bin');
  expect(readFileSync(join(dir, 'erased.bin')).equals(Buffer.alloc(0x1000, 0xff))).toBe(true);
});

test('--before default-reset enters download mode, --after hard-reset boots the flash', async () => {
  const mark = board.stderr().length;
  expect(await ok('--before', 'default-reset', '--after', 'hard-reset', 'read-mac')).toContain(`MAC:                ${mac}`);
  expect(bootsSince(mark)).toEqual(['POWERON download', 'POWERON flash']);
});

test('--after no-reset leaves the stub by a soft reset that keeps the download strap; --before no-reset then connects', async () => {
  const mark = board.stderr().length;
  await ok('--after', 'no-reset', 'flash-id');
  expect(bootsSince(mark), 'the stub reboots into the ROM loader, not the app').toEqual(['POWERON download', 'RTC_SW_SYS_RST download']);
  const again = board.stderr().length;
  const output = await ok('--before', 'no-reset', '--after', 'no-reset', 'read-mac');
  expect(output).toContain(`MAC:                ${mac}`);
  expect(bootsSince(again), 'no reset at all').toEqual(['RTC_SW_SYS_RST download']);
});

test('--after watchdog-reset resets the chip through its RTC watchdog', async () => {
  const mark = board.stderr().length;
  // esptool arms a 2000-cycle (about 15 ms) watchdog, then locks its registers; over RFC 2217
  // pyserial's renegotiation delays that last write past the reset, so esptool may report the
  // ROM banner as a bad packet. What counts is what the chip did.
  await run('--after', 'watchdog-reset', 'read-mac');
  const deadline = Date.now() + 5000;
  while (!bootsSince(mark).includes('RTCWDT_RTC_RST flash') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(bootsSince(mark)).toEqual(['POWERON download', 'RTCWDT_RTC_RST flash']);
});

test('RAM code other than the flasher stub runs and is never heard from', async () => {
  // An application image loaded into RAM and started: no OHAI, no loader behind it.
  const loaded = await ok('--no-stub', '--after', 'no-reset', 'load-ram', join(process.cwd(), 'fixtures/build/proplet.bin'));
  expect(loaded).toContain('executing at 0x4037a9d4');
  const silent = await run('--before', 'no-reset', '--connect-attempts', '1', '--no-stub', 'read-mac');
  expect(silent.code, silent.output).not.toBe(0);
  expect(silent.output).toContain('No serial data received');
});
