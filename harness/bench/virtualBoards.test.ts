/**
 * The launcher against the real board process, reached with the harness's own RFC 2217
 * client: start, a reset into download mode with DTR/RTS, a power cut and power-on on the
 * same port with the flash kept, and an orderly stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { imageSet } from '../../fixtures/images.ts';
import { Rfc2217Transport } from '../transport/rfc2217.ts';
import { VirtualBoard } from './virtualBoards.ts';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let board: VirtualBoard | undefined;
let transport: Rfc2217Transport | undefined;

test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vboards-'));
  writeFileSync(join(dir, 'proplet.bin'), imageSet()['proplet.bin']);
});

test.afterEach(async () => {
  await transport?.close();
  await board?.powerOff();
  transport = board = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function connect(url: string): Promise<{ console: () => string }> {
  const { port } = new URL(url.replace('rfc2217:', 'http:'));
  transport = new Rfc2217Transport(url, '127.0.0.1', Number(port), { baud: 115200, log });
  await transport.open();
  let text = '';
  transport.onData((chunk) => (text += chunk.toString('latin1')));
  return { console: () => text };
}

async function waitFor(read: () => string, needle: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(needle)) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for "${needle}"; console:\n${read()}`);
    await sleep(20);
  }
}

test('a board resets into download mode over RFC 2217, survives a power cut on the same URL, and stops', async () => {
  board = await VirtualBoard.start({ stateDir: join(dir, 'v0'), firmware: join(dir, 'proplet.bin') }, log);
  expect(board.url).toMatch(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
  const url = board.url;
  let serial = await connect(url);
  // esptool's classic reset.
  await transport!.setSignals({ dtr: false, rts: true });
  await sleep(100);
  await transport!.setSignals({ dtr: true, rts: false });
  await sleep(50);
  await transport!.setSignals({ dtr: false });
  await waitFor(serial.console, 'boot:0x0 (DOWNLOAD(USB/UART0))\r\nwaiting for download');
  await transport!.close();

  await board.powerOff();
  expect(board.running).toBe(false);
  await board.powerOn();
  expect(board.url).toBe(url);
  serial = await connect(url);
  await transport!.setSignals({ dtr: false, rts: true });
  await sleep(100);
  await transport!.setSignals({ rts: false });
  await waitFor(serial.console, '<inf> main: Starting Proplet version=1.0.0');
  expect(serial.console()).toContain('rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)');
  await transport!.close();

  await board.stop();
  expect(board.running).toBe(false);
});

test('a board that cannot start fails with the reason, not a hang', async () => {
  const blocker = await VirtualBoard.start({ stateDir: join(dir, 'v0') }, log);
  try {
    const port = Number(blocker.url.split(':').at(-1));
    await expect(VirtualBoard.start({ stateDir: join(dir, 'v1'), port }, log)).rejects.toThrow(/exited \(2\) before listening: .*cannot listen/);
  } finally {
    await blocker.stop();
  }
});
