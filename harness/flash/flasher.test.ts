import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { Console } from '../console/console.ts';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from '../transport/open.ts';
import { flashBoard, type FlashTarget } from './flasher.ts';
import { firmwareFromImage, firmwareFromManifest } from './manifest.ts';
import { ensureFixtures, fixture, removeState, startBoard, type TestBoard } from '../testing/virtualBoard.ts';

const log = pino({ level: 'silent' });

test.beforeAll(() => ensureFixtures());

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A fresh virtual board and an open RFC 2217 transport to it, both gone after `fn`. */
async function withBoard(fn: (target: FlashTarget, board: TestBoard) => Promise<void>): Promise<void> {
  const board = await startBoard();
  const transport = await openTransport(board.url, { baud: 115200, log });
  try {
    await fn({ name: 'v0', transport, reset: 'classic', baud: 115200, flashBaud: 921600, log }, board);
  } finally {
    await transport.close();
    await board.stop();
    removeState(board);
  }
}

test('a fresh board is flashed, verified, reset and boots the new image', async () => {
  await withBoard(async (target) => {
    const result = await flashBoard(target, firmwareFromImage(fixture('proplet.bin')));
    expect(result.regions.map((r) => [r.name, r.offset, r.outcome])).toEqual([['proplet', 0, 'written']]);
    expect(result.booted).toEqual({ zephyr: 'v4.0.0', version: '1.0.0' });
  });
});

test('a console on the same transport records the flash and reads the new boot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-console-'));
  try {
    await withBoard(async (target) => {
      const console = new Console(target.transport, { name: 'v0', transcriptPath: join(dir, 'v0.log') });
      console.start();
      try {
        const since = console.mark();
        await flashBoard(target, firmwareFromImage(fixture('proplet.bin')));
        // The console saw the board enter download mode, then the reset into the new app.
        await console.waitFor('rom.download', { timeout: 1000, since });
        const boot = await console.waitFor('boot', { timeout: 1000, since });
        expect(boot.version).toBe('1.0.0');
        // The transport is the console's again: a shell command goes out and its effect comes back.
        const before = console.mark();
        await console.send('kernel reboot cold');
        const banner = await console.waitFor('rom.banner', { timeout: 5000, since: before });
        expect(banner.resetCause).toBe('RTC_SW_SYS_RST');
      } finally {
        console.stop();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unchanged image is skipped, --force writes it anyway, a new image replaces it', async () => {
  await withBoard(async (target) => {
    const fw = firmwareFromImage(fixture('proplet.bin'));
    await flashBoard(target, fw);
    const again = await flashBoard(target, fw);
    expect(again.regions[0]!.outcome).toBe('unchanged');
    expect(again.booted?.version, 'the board was still reset into the app').toBe('1.0.0');
    const forced = await flashBoard(target, fw, { force: true });
    expect(forced.regions[0]!.outcome).toBe('written');
    const upstream = await flashBoard(target, firmwareFromImage(fixture('upstream.bin')));
    expect(upstream.regions[0]!.outcome).toBe('written');
    // Upstream's boot line names no version: the banner and `Starting Proplet...` prove the boot.
    expect(upstream.booted?.zephyr).toBe('v4.0.0');
    expect(upstream.booted?.version).toBeUndefined();
  });
});

test('of two regions only the changed one is rewritten', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-manifest-'));
  try {
    const data = Buffer.alloc(16 * 1024, 0x5a);
    writeFileSync(join(dir, 'data.bin'), data);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ regions: [{ name: 'app', offset: '0x0', file: fixture('proplet.bin') }, { name: 'data', offset: '0x200000', file: 'data.bin' }] }),
    );
    await withBoard(async (target) => {
      const first = await flashBoard(target, firmwareFromManifest(join(dir, 'manifest.json')));
      expect(first.regions.map((r) => r.outcome)).toEqual(['written', 'written']);
      data[100] = 0xa5;
      writeFileSync(join(dir, 'data.bin'), data);
      const second = await flashBoard(target, firmwareFromManifest(join(dir, 'manifest.json')));
      expect(second.regions.map((r) => [r.name, r.outcome])).toEqual([
        ['app', 'unchanged'],
        ['data', 'written'],
      ]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--erase-settings erases the settings partition, and only when it holds something', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-settings-'));
  try {
    writeFileSync(join(dir, 'nvs.bin'), Buffer.alloc(4096, 0x42));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ regions: [{ offset: 0, file: fixture('proplet.bin') }, { offset: '0x3f0000', file: 'nvs.bin' }] }));
    await withBoard(async (target) => {
      await flashBoard(target, firmwareFromManifest(join(dir, 'manifest.json')));
      const app = firmwareFromImage(fixture('proplet.bin'));
      const erased = await flashBoard(target, app, { eraseSettings: true });
      expect(erased.regions.map((r) => [r.name, r.offset, r.outcome])).toEqual([
        ['proplet', 0, 'unchanged'],
        ['settings', 0x3f0000, 'written'],
      ]);
      const again = await flashBoard(target, app, { eraseSettings: true });
      expect(again.regions[1]!.outcome, 'the partition reads back erased').toBe('unchanged');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a board that never answers the sync fails in bounded time with one line', async () => {
  await withBoard(async (target) => {
    // The board runs its app; with reset: none nothing puts it into download mode.
    const err = await flashBoard({ ...target, reset: 'none' }, firmwareFromImage(fixture('proplet.bin')), { syncTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).exitCode).toBe(1);
    expect((err as HilError).message).toMatch(/^board v0 did not answer the bootloader sync within \d+ s — is it in download mode\? hold BOOT and press RESET$/);
  });
});

/**
 * A TCP relay between the harness and a board that cuts each of its first `cuts` connections
 * once 200 kB have gone through: a flaky cable, with a real board on the far side.
 */
async function flakyRelay(boardUrl: string, cuts: number): Promise<{ url: string; cut: () => number; close: () => void }> {
  let cut = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(new URL(boardUrl).port), '127.0.0.1');
    const cutThis = cut < cuts;
    let forwarded = 0;
    client.on('data', (data) => {
      upstream.write(data);
      forwarded += data.length;
      if (cutThis && forwarded > 200_000 && !client.destroyed) {
        cut++;
        client.destroy();
      }
    });
    upstream.on('data', (data) => client.write(data));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return { url: `rfc2217://127.0.0.1:${(relay.address() as net.AddressInfo).port}`, cut: () => cut, close: () => relay.close() };
}

test('a link that drops mid-write is reopened and the flash completes in a second session', async () => {
  const board = await startBoard();
  const relay = await flakyRelay(board.url, 1);
  const transport = await openTransport(relay.url, { baud: 115200, log });
  try {
    const result = await flashBoard({ name: 'v0', transport, reset: 'classic', log }, firmwareFromImage(fixture('proplet-1m.bin')));
    expect(relay.cut(), 'the relay cut the link').toBe(1);
    expect(result.attempts).toBe(2);
    expect(result.regions[0]!.outcome).toBe('written');
    expect(result.booted?.version).toBe('1.0.0');
    expect(transport.isOpen, 'the reopened link stays open for the console').toBe(true);
  } finally {
    await transport.close();
    relay.close();
    await board.stop();
    removeState(board);
  }
});

test('a link that keeps dropping ends in one verdict after the last attempt', async () => {
  const board = await startBoard();
  const relay = await flakyRelay(board.url, 2);
  const transport = await openTransport(relay.url, { baud: 115200, log });
  try {
    const err = await flashBoard({ name: 'v0', transport, reset: 'classic', log }, firmwareFromImage(fixture('proplet-1m.bin')), { attempts: 2 }).catch((e: unknown) => e);
    expect(relay.cut()).toBe(2);
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).exitCode).toBe(1);
    expect((err as HilError).message).toBe('flashing v0 failed after 2 attempts: the serial port was lost');
  } finally {
    await transport.close();
    relay.close();
    await board.stop();
    removeState(board);
  }
});

test('an RFC 2217 client resets a virtual board into download mode with DTR/RTS', async () => {
  await withBoard(async ({ transport }) => {
    let text = '';
    transport.onData((chunk) => (text += chunk.toString('latin1')));
    // The classic auto-reset sequence: EN low, then EN released with GPIO0 held low.
    await transport.setSignals({ dtr: false, rts: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await transport.setSignals({ dtr: true, rts: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await transport.setSignals({ dtr: false });
    await until('"waiting for download" on the console', () => text.includes('waiting for download'));
    expect(text).toContain('boot:0x0 (DOWNLOAD(USB/UART0))');
  });
});

test('esptool-js flashes and verifies a board over a pty with reset strategy none', async () => {
  requirePeers('socat');
  const board = await startBoard({ strapDownload: true, rawPort: true });
  const dir = mkdtempSync(join(tmpdir(), 'hil-pty-'));
  const link = join(dir, 'tty');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${link}`, `tcp:127.0.0.1:${board.rawPort}`], { stdio: 'ignore' });
  try {
    await until('socat to create the pty', () => existsSync(link));
    const transport = await openTransport(link, { baud: 115200, log });
    const target: FlashTarget = { name: 'pty0', transport, reset: 'none', log };
    const fw = firmwareFromImage(fixture('upstream.bin'));
    try {
      // BOOT is strapped down, so the board waits in download mode; no reset can start the app.
      const written = await flashBoard(target, fw, { awaitBoot: false });
      expect(written.regions[0]!.outcome).toBe('written');
      expect(written.booted).toBeUndefined();
      const again = await flashBoard(target, fw, { awaitBoot: false });
      expect(again.regions[0]!.outcome, 'the MD5 read back over the pty matches').toBe('unchanged');
    } finally {
      await transport.close();
    }
  } finally {
    socat.kill();
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // Power the same board on without the strap: it boots what the pty session wrote.
  const poweredOn = await startBoard({ stateDir: board.stateDir });
  const transport = await openTransport(poweredOn.url, { baud: 115200, log });
  try {
    const result = await flashBoard({ name: 'v0', transport, reset: 'classic', log }, firmwareFromImage(fixture('upstream.bin')));
    expect(result.regions[0]!.outcome).toBe('unchanged');
    expect(result.booted?.zephyr).toBe('v4.0.0');
  } finally {
    await transport.close();
    await poweredOn.stop();
    removeState(poweredOn);
  }
});

test('a link that cannot carry the flash baud falls back to the ROM baud, flashes, and says so in one line', async () => {
  // The board's USB-UART bridge stops at 115200 (the virtual board's --max-baud): SET-BAUDRATE
  // 921600 is answered with 115200, while the chip itself has switched after CHANGE_BAUDRATE.
  const board = await startBoard({ maxBaud: 115200 });
  const warnings: string[] = [];
  const seen = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
  const transport = await openTransport(board.url, { baud: 115200, log });
  try {
    const result = await flashBoard({ name: 'v0', transport, reset: 'classic', baud: 115200, flashBaud: 921600, log: seen }, firmwareFromImage(fixture('proplet.bin')), { force: true });
    expect(result.regions.map((r) => r.outcome)).toEqual(['written']);
    expect(result.booted?.version).toBe('1.0.0');
    expect(result.attempts, 'the fallback happens inside the session, not by a retry').toBe(1);
    expect(warnings, 'one line about the fallback, nothing else').toEqual(['board v0: the link refused 921600 baud; writing at 115200 baud']);
    expect(transport.baud, 'the console is back at its baud').toBe(115200);
  } finally {
    await transport.close();
    await board.stop();
    removeState(board);
  }
});
