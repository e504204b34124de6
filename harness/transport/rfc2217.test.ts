import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from './open.ts';
import { Rfc2217Transport } from './rfc2217.ts';
import { freePort, memoryLogger, type PtyPair, type Ser2net, startPtyPair, startSer2net, until } from '../testing/serialPeers.ts';
import type { Transport } from './transport.ts';

// ser2net serves pty end a over RFC 2217; the test plays the board on end b.
let pty: PtyPair;
let ser2net: Ser2net;
let board: SerialPort;
let transport: Transport | undefined;

test.beforeEach(async () => {
  requirePeers('socat', 'ser2net');
  pty = await startPtyPair();
  ser2net = await startSer2net(pty.a);
  board = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => board.open((err) => (err ? reject(err) : resolve())));
});

test.afterEach(async () => {
  await transport?.close();
  transport = undefined;
  if (board?.isOpen) await new Promise<void>((resolve) => board.close(() => resolve()));
  await ser2net?.stop();
  await pty?.stop();
});

function collect(source: { onData(listener: (chunk: Buffer) => void): () => void } | SerialPort): () => Buffer {
  const chunks: Buffer[] = [];
  if (source instanceof SerialPort) source.on('data', (chunk: Buffer) => chunks.push(chunk));
  else source.onData((chunk) => chunks.push(chunk));
  return () => Buffer.concat(chunks);
}

const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

test('carries every byte value both ways through ser2net, 0xFF included', async () => {
  const { log, records } = memoryLogger();
  transport = await openTransport(`rfc2217://127.0.0.1:${ser2net.port}`, { baud: 115200, log });
  // ser2net answers SET-BAUDRATE, -DATASIZE, -PARITY and -STOPSIZE: nothing to warn about.
  expect(records().filter((r) => r.level >= 40)).toEqual([]);
  const fromBoard = collect(transport);
  const atBoard = collect(board);

  await transport.write(everyByte);
  await until('256 bytes at the board end', async () => atBoard().length >= 256).catch(() => undefined);
  expect(atBoard(), 'bytes the board received').toEqual(everyByte);

  board.write(everyByte);
  await until('256 bytes from the board', async () => fromBoard().length >= 256).catch(() => undefined);
  expect(fromBoard(), 'bytes the harness received').toEqual(everyByte);
});

test('SET-BAUDRATE is applied by the server to the real port', async () => {
  const { log } = memoryLogger();
  transport = await openTransport(`rfc2217://127.0.0.1:${ser2net.port}`, { baud: 115200, log });
  await transport.setBaud(57600);
  expect(transport.baud).toBe(57600);
  // ser2net set the pty's termios; stty reads them back from the same pty.
  const speed = () => execFileSync('stty', ['-F', pty.a, 'speed'], { encoding: 'utf8' }).trim();
  expect(speed(), 'baud rate of the served pty').toBe('57600');
});

test('DTR/RTS that the server never acknowledges resolve with one warning', async () => {
  const { log, records } = memoryLogger();
  transport = await openTransport(`rfc2217://127.0.0.1:${ser2net.port}`, { baud: 115200, log, ackTimeoutMs: 300 });
  await transport.setSignals({ dtr: false, rts: true });
  await transport.setSignals({ dtr: true, rts: false });
  expect(transport instanceof Rfc2217Transport && transport.server, 'ser2net names itself in its SIGNATURE').toBe('ser2net');
  const warnings = records().filter((r) => r.level === 40 && r.msg.includes('SET-CONTROL'));
  expect(warnings, `warnings seen: ${JSON.stringify(records().filter((r) => r.level >= 40))}`).toHaveLength(1);
  expect(warnings[0]!.msg, 'the pty reason is given for ser2net').toContain('ser2net cannot apply DTR/RTS to a pty');
  // The connection is still good for data after the unanswered commands.
  const atBoard = collect(board);
  await transport.write('still here');
  await until('data after SET-CONTROL', async () => atBoard().length >= 10).catch(() => undefined);
  expect(atBoard().toString()).toBe('still here');
});

test('a server that goes away closes the transport with an error', async () => {
  const { log } = memoryLogger();
  transport = await openTransport(`rfc2217://127.0.0.1:${ser2net.port}`, { baud: 115200, log });
  const closed = new Promise<Error | undefined>((resolve) => transport!.onClose(resolve));
  await ser2net.stop();
  const err = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('no close within 5 s'), 5000))]);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('closed the connection');
  expect(transport.isOpen).toBe(false);
  // What a caller that goes on is told: the server hung up, not "open the transport first".
  await expect(transport.setSignals({ rts: false })).rejects.toThrow(/RFC 2217 server closed the connection/);
  await expect(transport.write('x')).rejects.toThrow(/RFC 2217 server closed the connection/);
});

test('a refused connection is one readable HilError', async () => {
  const port = await freePort();
  const err = await openTransport(`rfc2217://127.0.0.1:${port}`, { baud: 115200, log: memoryLogger().log }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe(`RFC 2217 server 127.0.0.1:${port} refused the connection`);
});

test('a raw TCP port that never speaks telnet fails negotiation with a hint', async () => {
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const err = await openTransport(`rfc2217://127.0.0.1:${port}`, { baud: 115200, log: memoryLogger().log, connectTimeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).message).toContain('did not negotiate RFC 2217');
    expect((err as HilError).hint).toContain('raw TCP');
  } finally {
    server.close();
  }
});
