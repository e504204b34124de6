import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { FakeSysfs } from '../testing/fakeSysfs.ts';
import { openTransport } from './open.ts';
import { SerialTransport } from './serial.ts';
import { memoryLogger, type PtyPair, startPtyPair, until } from '../testing/serialPeers.ts';
import type { Transport } from './transport.ts';

// A fake sysfs says which USB device sits behind /dev/<tty>; socat puts a real pty at
// <devRoot>/<tty>, so resolution by serial number or location ends in a port that opens.
let sysfs: FakeSysfs;
let devRoot: string;
let ptys: PtyPair[];
let transport: Transport | undefined;

const jtag = { location: '1-1.4', vendorId: '303a', productId: '1001', serial: '7C:DF:A1:E0:12:34' };

test.beforeEach(async () => {
  sysfs = await FakeSysfs.create();
  devRoot = await mkdtemp(path.join(os.tmpdir(), 'hil-dev-'));
  ptys = [];
});

test.afterEach(async () => {
  await transport?.close();
  transport = undefined;
  for (const pty of ptys) await pty.stop();
  await sysfs.dispose();
  await rm(devRoot, { recursive: true, force: true });
});

async function plugIn(tty: string, port: Omit<Parameters<FakeSysfs['addUsb']>[0], 'tty'>): Promise<PtyPair> {
  const pty = await startPtyPair({ a: path.join(devRoot, tty), b: path.join(devRoot, `${tty}-board`) });
  ptys.push(pty);
  await sysfs.addUsb({ tty, ...port });
  return pty;
}

async function boardSays(pty: PtyPair, text: string): Promise<void> {
  const board = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => board.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve, reject) => board.write(text, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => board.drain(() => resolve()));
  await new Promise<void>((resolve) => board.close(() => resolve()));
}

test('serial:<number> and usb:<location> open the port discovery found', async () => {
  requirePeers('socat');
  const pty = await plugIn('ttyACM0', jtag);
  const { log } = memoryLogger();
  const discovery = { sysfsRoot: sysfs.root, devRoot };
  for (const spec of [`serial:${jtag.serial}`, 'usb:1-1.4', 'usb:1-1.4:1.0']) {
    transport = await openTransport(spec, { baud: 115200, log, discovery });
    expect(transport.url).toBe(spec);
    expect((transport as SerialTransport).path).toBe(path.join(devRoot, 'ttyACM0'));
    const got: Buffer[] = [];
    transport.onData((chunk) => got.push(chunk));
    await boardSays(pty, `hello ${spec}`);
    await until('the board text', async () => Buffer.concat(got).toString().includes(spec)).catch(() => undefined);
    expect(Buffer.concat(got).toString()).toBe(`hello ${spec}`);
    await transport.close();
  }
});

test('an unknown serial number names the ports that were found', async () => {
  await sysfs.addUsb({ tty: 'ttyUSB0', location: '1-1.2', vendorId: '10c4', productId: 'ea60', serial: '0001A2B3' });
  const err = await openTransport('serial:NOPE', { baud: 115200, discovery: { sysfsRoot: sysfs.root, devRoot }, log: memoryLogger().log }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe('no serial port with USB serial number NOPE');
  expect((err as HilError).hint).toBe(`found: ${path.join(devRoot, 'ttyUSB0')} (10c4:ea60, serial 0001A2B3, usb 1-1.2:1.0)`);
});

test('a location with two interfaces asks for one of them', async () => {
  await sysfs.addUsb({ tty: 'ttyUSB0', location: '2-1', interface: '1.0', vendorId: '0403', productId: '6010' });
  await sysfs.addUsb({ tty: 'ttyUSB1', location: '2-1', interface: '1.1', vendorId: '0403', productId: '6010' });
  const err = await openTransport('usb:2-1', { baud: 115200, discovery: { sysfsRoot: sysfs.root, devRoot }, log: memoryLogger().log }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('USB location 2-1 names 2 ports');
  expect((err as HilError).exitCode).toBe(2);
});

test('a USB-Serial/JTAG port that vanishes on reset is reopened by serial number under its new name', async () => {
  requirePeers('socat');
  const first = await plugIn('ttyACM0', jtag);
  const { log, records } = memoryLogger();
  transport = await openTransport(`serial:${jtag.serial}`, { baud: 115200, log, discovery: { sysfsRoot: sysfs.root, devRoot }, reopenWithinMs: 5000 });
  const closes: Array<Error | undefined> = [];
  transport.onClose((err) => closes.push(err));
  const got: Buffer[] = [];
  transport.onData((chunk) => got.push(chunk));

  // The chip resets: the port drops off the bus and re-enumerates as ttyACM1.
  await sysfs.remove('ttyACM0');
  await first.stop();
  const second = await plugIn('ttyACM1', jtag);

  await until('the transport to follow the port to ttyACM1', async () => (transport as SerialTransport).path.endsWith('ttyACM1')).catch(() => undefined);
  expect((transport as SerialTransport).path).toBe(path.join(devRoot, 'ttyACM1'));
  expect(transport.isOpen).toBe(true);
  await boardSays(second, 'ESP-ROM:esp32s3-20210327');
  await until('the banner after the reset', async () => Buffer.concat(got).length >= 24).catch(() => undefined);
  expect(Buffer.concat(got).toString()).toBe('ESP-ROM:esp32s3-20210327');
  expect(closes, 'onClose must not fire while the port comes back').toEqual([]);
  expect(records().map((r) => r.msg)).toContain('serial port reopened');
});

test('a port that vanishes for good closes the transport with an error', async () => {
  requirePeers('socat');
  const pty = await plugIn('ttyACM0', jtag);
  transport = await openTransport(`serial:${jtag.serial}`, {
    baud: 115200,
    log: memoryLogger().log,
    discovery: { sysfsRoot: sysfs.root, devRoot },
    reopenWithinMs: 500,
  });
  const closed = new Promise<Error | undefined>((resolve) => transport!.onClose(resolve));
  await sysfs.remove('ttyACM0');
  await pty.stop();
  const err = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('no close within 5 s'), 5000))]);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(`serial port serial:${jtag.serial} vanished and did not come back within 500 ms`);
  expect(transport.isOpen).toBe(false);
});
