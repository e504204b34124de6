import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from '../transport/open.ts';
import type { Transport } from '../transport/transport.ts';
import { BootWatch } from './bootWatch.ts';

// The watch reads a real pty; the far end plays the board's console, byte by byte when needed.

const log = pino({ level: 'silent' });
let dir: string;
let socat: ChildProcess;
let near: Transport;
let far: Transport;

test.beforeEach(async () => {
  requirePeers('socat');
  dir = mkdtempSync(join(tmpdir(), 'bootwatch-'));
  socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'a')}`, `pty,raw,echo=0,link=${join(dir, 'b')}`], { stdio: 'ignore' });
  const deadline = Date.now() + 3000;
  while (!existsSync(join(dir, 'a')) || !existsSync(join(dir, 'b'))) {
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  near = await openTransport(join(dir, 'a'), { baud: 115200, log });
  far = await openTransport(join(dir, 'b'), { baud: 115200, log });
});

test.afterEach(async () => {
  await near?.close();
  await far?.close();
  socat?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

test('waits for the whole version line, not a prefix of it', async () => {
  const watch = new BootWatch(near);
  const booted = watch.wait('b0', 5000, true);
  await far.write('*** Booting Zephyr OS build v4.0.0 ***\r\n[00:00:00.011,000] <inf> main: Starting Proplet version=1.0');
  await pause();
  await far.write('.0\r\n');
  expect(await booted).toEqual({ zephyr: 'v4.0.0', version: '1.0.0' });
});

test('without a version to check, the banner is enough', async () => {
  const watch = new BootWatch(near);
  const booted = watch.wait('b0', 5000, false);
  await far.write('ESP-ROM:esp32s3-20210327\r\n*** Booting Zephyr OS build v3.7.0 ***\r\n');
  expect(await booted).toEqual({ zephyr: 'v3.7.0' });
});

test('an image the ROM rejects fails at once with the ROM line', async () => {
  const watch = new BootWatch(near);
  const booted = watch.wait('b0', 10_000, true).catch((e: unknown) => e);
  await far.write('rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\n');
  const err = await booted;
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe('board b0 did not boot the new image: the ROM says "invalid header: 0xffffffff"');
});

test('no banner within the timeout names what was seen last', async () => {
  const watch = new BootWatch(near);
  const booted = watch.wait('b0', 300, true).catch((e: unknown) => e);
  await far.write('*** Booting Zephyr OS build v4.0.0 ***\r\nsomething else\r\n');
  const err = await booted;
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(
    'board b0 did not show that the new image started within 0.3 s after reset: saw the Zephyr banner but no "Starting Proplet version=" line (last line: "something else")',
  );
});

test('a banner without "build", as Zephyr 3.7 prints it, is a banner: the console parser\'s grammar', async () => {
  const watch = new BootWatch(near);
  const booted = watch.wait('b0', 5000, false);
  await far.write('*** Booting Zephyr OS v3.7.0 ***\r\n');
  expect(await booted).toEqual({ zephyr: 'v3.7.0' });
});
