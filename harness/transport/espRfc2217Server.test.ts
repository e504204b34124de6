/**
 * The harness behind esptool's own RFC 2217 server (esp_rfc2217_server), chained in front of a
 * virtual board's rfc2217:// URL as a lab chains it in front of /dev/ttyUSB0. The server opens
 * its port with pyserial's serial_for_url; on Unix its default reset drives the lines by ioctl,
 * which an rfc2217:// port cannot take, so the server is given esptool's documented
 * custom_reset_sequence / custom_hard_reset_sequence (the classic sequences, line by line).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { ensureFixtures, fixture, removeState, startBoard, type TestBoard } from '../testing/virtualBoard.ts';
import { RtsPower } from '../power/rts.ts';
import { requireInstalledPeer } from '../testing/peers.ts';
import { openTransport } from './open.ts';
import { Rfc2217Transport } from './rfc2217.ts';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HIL = join(ROOT, 'harness', 'cli', 'hil.mjs');
const log = pino({ level: 'silent' });

let board: TestBoard;
let server: ChildProcess;
let serverLog = '';
let url: string;
let dir: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hil(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HIL, ...args], { cwd: ROOT, env: { ...process.env, HIL_LOG_LEVEL: 'warn' }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Types into the board's UART through its raw TCP port (the virtual board's second server). */
async function typeOnUart(text: string): Promise<void> {
  const socket = net.connect(board.rawPort!, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  await new Promise<void>((resolve) => socket.end(text, () => resolve()));
}

test.beforeAll(async () => {
  const espServer = requireInstalledPeer('esp_rfc2217_server');
  ensureFixtures();
  dir = mkdtempSync(join(tmpdir(), 'esp-rfc2217-'));
  writeFileSync(join(dir, 'esptool.cfg'), '[esptool]\ncustom_reset_sequence = D0|R1|W0.1|D1|R0|W0.05|D0\ncustom_hard_reset_sequence = R1|W0.1|R0\n');
  board = await startBoard({ rawPort: true });
  const port = await freePort();
  // -v: the server logs each reset sequence it starts, which the flash test counts.
  server = spawn(espServer, ['-v', '-p', String(port), board.url], { env: { ...process.env, ESPTOOL_CFGFILE: join(dir, 'esptool.cfg') }, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (d: Buffer) => (serverLog += d.toString());
  server.stdout!.on('data', collect);
  server.stderr!.on('data', collect);
  const deadline = Date.now() + 20_000;
  while (!serverLog.includes('Waiting for connection')) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`esp_rfc2217_server did not start; its output:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = `rfc2217://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  server?.kill('SIGTERM');
  await board?.stop();
  if (board) removeState(board);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The reset sequences esp_rfc2217_server started (its -v log) since `from`. */
const hardResets = (from: number) => serverLog.slice(from).match(/Activating hard reset in thread/g)?.length ?? 0;

test('hil flash writes, boots and then skips an unchanged image through esp_rfc2217_server, with no warning', async () => {
  const before = serverLog.length;
  const first = await hil('flash', '--port', url, fixture('proplet.bin'));
  expect(first.code, `stderr: ${first.stderr}\nserver: ${serverLog.slice(-1500)}`).toBe(0);
  // One hard reset: into the new image. The bootloader reset's closing "DTR off, RTS off" must
  // not ask for another (RTS was off already), which would race the server's bootloader reset.
  expect(hardResets(before), `server log: ${serverLog.slice(before, before + 1500)}`).toBe(1);
  expect(first.stdout).toMatch(/proplet @0x0 \d+ B written and verified/);
  expect(first.stdout).toMatch(/booted Zephyr .* version 1\.0\.0/);
  expect(first.stderr, 'no warning about unanswered SET-CONTROL: esp_rfc2217_server never answers it').toBe('');
  const beforeAgain = serverLog.length;
  const again = await hil('flash', '--port', url, fixture('proplet.bin'));
  expect(again.code, `stderr: ${again.stderr}`).toBe(0);
  expect(hardResets(beforeAgain), `server log: ${serverLog.slice(beforeAgain, beforeAgain + 1500)}`).toBe(1);
  expect(again.stdout).toContain('proplet @0x0');
  expect(again.stdout).toContain('unchanged');
  expect(again.stderr).toBe('');
});

test('hil monitor resets the board through esp_rfc2217_server on open and shows its boots', async () => {
  const monitor = spawn(process.execPath, [HIL, 'monitor', '--json', url, '--transcript', join(dir, 'monitor.log')], {
    cwd: ROOT,
    env: { ...process.env, HIL_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  monitor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  monitor.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const until = async (what: string, cond: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`hil monitor: no ${what}; stdout:\n${out.slice(-1500)}\nstderr:\n${err.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until('"monitoring" line', () => err.includes('monitoring'));
    // The monitor's reset on open is the server's own hard reset: the boot it causes shows.
    await until('the boot from the reset on open', () => out.includes('rst:0x1 (POWERON)') && out.includes('"kind":"shell.prompt"'));
    expect(err).toContain("reset the board on open (esp_rfc2217_server's hard reset)");
    // A reboot typed into the firmware's shell: its boot reaches the monitor through the chain.
    await typeOnUart('kernel reboot cold\r\n');
    await until('boot banner', () => out.includes('RTC_SW_SYS_RST'));
    expect(err).not.toMatch(/"level":(40|50)/);
  } finally {
    monitor.kill('SIGINT');
  }
});

test('the power steps: RTS cannot hold EN low behind esp_rfc2217_server, so power-off names the fix; a cycle is its hard reset', async () => {
  const transport = await openTransport(url, { baud: 115200, log });
  try {
    expect(transport instanceof Rfc2217Transport && transport.server).toBe('esp_rfc2217_server');
    const power = new RtsPower(transport);
    await expect(power.off()).rejects.toThrow(/cannot power off .* esp_rfc2217_server .*/);
    await expect(power.off()).rejects.toMatchObject({ hint: expect.stringMatching(/power driver/) });
    let seen = '';
    transport.onData((chunk) => (seen += chunk.toString('latin1')));
    await power.cycle();
    const deadline = Date.now() + 10_000;
    while (!seen.includes('rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen, 'the hard reset the server did on RTS off').toContain('rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)');
  } finally {
    await transport.close();
  }
});
