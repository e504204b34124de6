import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from './open.ts';
import { memoryLogger, type PtyPair, startPtyPair, until } from '../testing/serialPeers.ts';
import { SignalsUnsupportedError, type Transport } from './transport.ts';

// The transport opens pty end a; the test plays the board on end b.
let pty: PtyPair;
let transport: Transport | undefined;
const { log } = memoryLogger();
// An empty sysfs tree: the ptys are not USB devices, as on a real host.
const discovery = { sysfsRoot: path.join(os.tmpdir(), 'hil-no-sysfs') };

test.beforeEach(async () => {
  requirePeers('socat');
  pty = await startPtyPair();
});

test.afterEach(async () => {
  await transport?.close();
  transport = undefined;
  await pty?.stop();
});

async function openBoard(): Promise<SerialPort> {
  const board = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => board.open((err) => (err ? reject(err) : resolve())));
  return board;
}

test('bytes flow both ways over a pty', async () => {
  transport = await openTransport(pty.a, { baud: 115200, log, discovery });
  expect(transport.isOpen).toBe(true);
  const board = await openBoard();
  try {
    const got: Buffer[] = [];
    transport.onData((chunk) => got.push(chunk));
    const atBoard: Buffer[] = [];
    board.on('data', (chunk: Buffer) => atBoard.push(chunk));
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await transport.write(bytes);
    await until('256 bytes at the board', async () => Buffer.concat(atBoard).length >= 256).catch(() => undefined);
    expect(Buffer.concat(atBoard)).toEqual(bytes);
    board.write('hello\r\n');
    await until('a line from the board', async () => Buffer.concat(got).length >= 7).catch(() => undefined);
    expect(Buffer.concat(got).toString()).toBe('hello\r\n');
  } finally {
    await new Promise<void>((resolve) => board.close(() => resolve()));
  }
});

test('setBaud changes the real port speed', async () => {
  transport = await openTransport(pty.a, { baud: 115200, log, discovery });
  await transport.setBaud(460800);
  expect(transport.baud).toBe(460800);
  expect(execFileSync('stty', ['-F', pty.a, 'speed'], { encoding: 'utf8' }).trim()).toBe('460800');
});

test('DTR/RTS on a pty reject with SignalsUnsupportedError, and the port stays usable', async () => {
  transport = await openTransport(pty.a, { baud: 115200, log, discovery });
  const err = await transport.setSignals({ dtr: false, rts: true }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SignalsUnsupportedError);
  expect(err).toBeInstanceOf(HilError);
  expect(transport.isOpen).toBe(true);
  await transport.write('ok');
});

test('a second open of the same port is "busy"', async () => {
  transport = await openTransport(pty.a, { baud: 115200, log, discovery });
  const err = await openTransport(pty.a, { baud: 115200, log, discovery }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(`serial port ${pty.a} is busy`);
});

test('a missing device is "no such serial device"', async () => {
  const missing = path.join(path.dirname(pty.a), 'ttyUSB99');
  const err = await openTransport(missing, { baud: 115200, log, discovery }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(`no such serial device ${missing}`);
});

test('a device without permission hints at the dialout group', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hil-perm-'));
  const device = path.join(dir, 'ttyUSB0');
  await writeFile(device, '');
  await chmod(dir, 0o755);
  await chmod(device, 0o000);
  try {
    // Root opens any device, so the open is tried by an unprivileged user ("nobody") when the
    // tests run as root, as CI does.
    const script = `
      const { openTransport } = await import(${JSON.stringify(path.resolve('harness/transport/open.ts'))});
      const err = await openTransport(${JSON.stringify(device)}, { baud: 115200, discovery: { sysfsRoot: '/nonexistent' } }).catch((e) => e);
      process.stdout.write(JSON.stringify({ name: err?.name, message: err?.message, hint: err?.hint }));
    `;
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      ...asNobody,
      env: { ...process.env, HIL_LOG_LEVEL: 'silent', TSX_TSCONFIG_PATH: path.resolve('tsconfig.json') },
    });
    const err = JSON.parse(out.toString()) as { name: string; message: string; hint: string };
    expect(err.name).toBe('HilError');
    expect(err.message).toBe(`permission denied opening ${device}`);
    expect(err.hint).toContain('dialout');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('close() reports a clean close; losing the pty reports an error', async () => {
  transport = await openTransport(pty.a, { baud: 115200, log, discovery });
  const clean = new Promise<Error | undefined>((resolve) => transport!.onClose(resolve));
  await transport.close();
  expect(await clean).toBeUndefined();
  expect(transport.isOpen).toBe(false);

  await transport.open();
  const lost = new Promise<Error | undefined>((resolve) => transport!.onClose(resolve));
  await pty.stop();
  const err = await Promise.race([lost, new Promise<string>((resolve) => setTimeout(() => resolve('no close within 5 s'), 5000))]);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(`serial port ${pty.a} was lost`);
  expect(transport.isOpen).toBe(false);
});
