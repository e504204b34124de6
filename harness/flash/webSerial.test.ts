import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Transport as EsptoolTransport } from 'esptool-js';
import { pino } from 'pino';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from '../transport/open.ts';
import type { Transport } from '../transport/transport.ts';
import { SignalsUnsupportedError } from '../transport/transport.ts';
import { WebSerialPort } from './webSerial.ts';

// A real pty pair (socat): the adapter's side is a harness SerialTransport, the far side plays
// the board. esptool-js's own Transport class drives the adapter, as it does when flashing.

const log = pino({ level: 'silent' });
let dir: string;
let socat: ChildProcess;
let near: Transport;
let far: Transport;

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function collect(transport: Transport): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  transport.onData((chunk) => chunks.push(Buffer.from(chunk)));
  return { bytes: () => Buffer.concat(chunks) };
}

function esptoolOn(port: WebSerialPort): EsptoolTransport {
  const transport = new EsptoolTransport(port as unknown as ConstructorParameters<typeof EsptoolTransport>[0]);
  // esptool-js prints its traces with console.log; keep the test output clean.
  transport.trace = () => undefined;
  return transport;
}

test.beforeEach(async () => {
  requirePeers('socat');
  dir = mkdtempSync(join(tmpdir(), 'webserial-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  await until('socat to create the pty pair', () => existsSync(a) && existsSync(b));
  near = await openTransport(a, { baud: 115200, log });
  far = await openTransport(b, { baud: 115200, log });
});

test.afterEach(async () => {
  await near?.close();
  await far?.close();
  socat?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('esptool-js writes SLIP frames through the adapter and reads the replies', async () => {
  const seen = collect(far);
  const port = new WebSerialPort(near);
  const esptool = esptoolOn(port);
  await esptool.connect(115200);
  void esptool.readLoop();

  await esptool.write(new Uint8Array([0x01, 0xc0, 0xdb, 0x02]));
  await until('the SLIP frame on the far side', () => seen.bytes().length >= 8);
  expect([...seen.bytes()]).toEqual([0xc0, 0x01, 0xdb, 0xdc, 0xdb, 0xdd, 0x02, 0xc0]);

  await far.write(new Uint8Array([0xc0, 0x01, 0x08, 0xdb, 0xdc, 0xc0]));
  expect([...(await esptool.read(2000))]).toEqual([0x01, 0x08, 0xc0]);

  await esptool.disconnect();
  expect(port.readable, 'a closed port has no readable stream').toBeNull();
  expect(near.isOpen, 'the borrowed transport stays open for the console').toBe(true);
});

test('the console keeps receiving while esptool-js reads the same bytes', async () => {
  const consoleSide = collect(near);
  const port = new WebSerialPort(near);
  const esptool = esptoolOn(port);
  await esptool.connect(115200);
  void esptool.readLoop();
  await far.write('ESP-ROM:esp32s3-20210327\r\n');
  await until('esptool-js to buffer the banner', () => esptool.inWaiting() >= 26);
  expect(consoleSide.bytes().toString()).toBe('ESP-ROM:esp32s3-20210327\r\n');
  expect(new TextDecoder().decode(esptool.peek())).toBe('ESP-ROM:esp32s3-20210327\r\n');
  await esptool.disconnect();
});

test('a port opened on a closed transport opens it and closes it again', async () => {
  await near.close();
  const port = new WebSerialPort(near);
  await port.open({ baudRate: 115200 });
  expect(near.isOpen).toBe(true);
  await port.close();
  expect(near.isOpen).toBe(false);
});

test('baud changes in place go to the transport', async () => {
  const port = new WebSerialPort(near);
  await port.open({ baudRate: 115200 });
  await port.setBaudRate(460800);
  expect(near.baud).toBe(460800);
  await port.close();
  const again = new WebSerialPort(near);
  await again.open({ baudRate: 115200 });
  expect(near.baud, 'open() sets the rate it is asked for').toBe(115200);
  await again.close();
});

test('a cancelled readable is replaced by a fresh one while the port is open', async () => {
  const port = new WebSerialPort(near);
  await port.open({ baudRate: 115200 });
  const first = port.readable!;
  await first.getReader().cancel();
  const second = port.readable!;
  expect(second).not.toBe(first);
  const reader = second.getReader();
  await far.write('after');
  const { value } = await reader.read();
  expect(Buffer.from(value!).toString()).toBe('after');
  reader.releaseLock();
  await port.close();
});

test('DTR/RTS on a pty reject with SignalsUnsupportedError', async () => {
  const port = new WebSerialPort(near);
  await port.open({ baudRate: 115200 });
  await expect(port.setSignals({ dataTerminalReady: false, requestToSend: true })).rejects.toBeInstanceOf(SignalsUnsupportedError);
  await port.close();
});

test('a lost transport errors the streams and lets esptool-js close despite a writer it never released', async () => {
  const port = new WebSerialPort(near);
  await port.open({ baudRate: 115200 });
  const reader = port.readable!.getReader();
  const pending = reader.read();
  // esptool-js leaves its writer locked when a write throws; the device then goes away.
  port.writable!.getWriter();
  await near.close();
  await expect(pending).rejects.toThrow('The device has been lost.');
  expect(port.readable, 'Web Serial reads a lost port as having no streams').toBeNull();
  expect(port.writable).toBeNull();
  await port.close();
});
