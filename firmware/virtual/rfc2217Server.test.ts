import net from 'node:net';
import { expect, test } from '@playwright/test';
import { UartServer, type SerialPins } from './rfc2217Server.ts';

const IAC = 255;

function pins(): SerialPins & { state: { dtr: boolean; rts: boolean; baud: number; purged: number[]; gone: number } } {
  const state = { dtr: false, rts: false, baud: 115200, purged: [] as number[], gone: 0 };
  return {
    state,
    baud: () => state.baud,
    setBaud: (b) => (state.baud = b),
    dtr: () => state.dtr,
    rts: () => state.rts,
    setDtr: (on) => (state.dtr = on),
    setRts: (on) => (state.rts = on),
    purge: (which) => state.purged.push(which),
    disconnected: () => state.gone++,
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('IAC is doubled both ways; subnegotiations drive the pins and are answered with code + 100', async () => {
  const received: Buffer[] = [];
  const p = pins();
  const server = new UartServer((d) => received.push(d), p);
  const port = await server.listen(0);
  const socket = net.connect(port, '127.0.0.1');
  let fromServer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (fromServer = Buffer.concat([fromServer, d])));
  await new Promise((r) => socket.once('connect', r));
  try {
    // Data with an escaped 0xFF, SET-CONTROL DTR ON, an IAC SB split across two writes, RTS ON.
    socket.write(Buffer.from([0x41, IAC, IAC, 0x42, IAC, 250, 44, 5, 8, IAC, 240, IAC, 250, 44]));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(Buffer.from([5, 11, IAC, 240, IAC, 250, 44, 12, 3, IAC, 240]));
    await until(() => p.state.rts, 'RTS on');
    expect(Buffer.concat(received)).toEqual(Buffer.from([0x41, 0xff, 0x42]));
    expect(p.state).toMatchObject({ dtr: true, rts: true, purged: [3] });
    await until(() => fromServer.includes(Buffer.from([IAC, 250, 44, 105, 11, IAC, 240])), 'the RTS ON answer');
    expect(fromServer.includes(Buffer.from([IAC, 250, 44, 112, 3, IAC, 240])), 'PURGE-DATA answer').toBe(true);
    const before = fromServer.length;
    server.write(Buffer.from([0x01, 0xff, 0x02]));
    await until(() => fromServer.length >= before + 4, 'UART output');
    expect(fromServer.subarray(before)).toEqual(Buffer.from([0x01, 0xff, 0xff, 0x02]));
  } finally {
    socket.destroy();
    await until(() => p.state.gone === 1, 'the disconnect callback');
    server.close();
  }
});

test('a raw server passes bytes untouched and has no telnet negotiation', async () => {
  const received: Buffer[] = [];
  const server = new UartServer((d) => received.push(d));
  const port = await server.listen(0);
  const socket = net.connect(port, '127.0.0.1');
  let fromServer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (fromServer = Buffer.concat([fromServer, d])));
  await new Promise((r) => socket.once('connect', r));
  try {
    socket.write(Buffer.from([IAC, 250, 0x10]));
    await until(() => Buffer.concat(received).length === 3, 'three raw bytes');
    expect(Buffer.concat(received)).toEqual(Buffer.from([IAC, 250, 0x10]));
    server.write(Buffer.from([0xff, 0x00]));
    await until(() => fromServer.length === 2, 'two raw bytes back');
    expect(fromServer).toEqual(Buffer.from([0xff, 0x00]));
  } finally {
    socket.destroy();
    server.close();
  }
});

test('a new client takes the port over; the old one is closed and its leaving does not release the lines', async () => {
  const p = pins();
  const server = new UartServer(() => {}, p);
  const port = await server.listen(0);
  const first = net.connect(port, '127.0.0.1');
  first.on('error', () => {});
  first.resume(); // a paused socket never reports its close
  await new Promise((r) => first.once('connect', r));
  const firstClosed = new Promise((r) => first.once('close', r));
  const second = net.connect(port, '127.0.0.1');
  let fromServer = Buffer.alloc(0);
  second.on('data', (d: Buffer) => (fromServer = Buffer.concat([fromServer, d])));
  await new Promise((r) => second.once('connect', r));
  try {
    await firstClosed;
    second.write(Buffer.from([IAC, 250, 44, 5, 8, IAC, 240]));
    await until(() => p.state.dtr, 'DTR on from the second client');
    expect(p.state.gone, 'disconnect callbacks for the replaced client').toBe(0);
    server.write(Buffer.from('hi'));
    await until(() => fromServer.includes(Buffer.from('hi')), 'output on the second client');
  } finally {
    second.destroy();
    server.close();
  }
});

test('modem and line state are notified as ser2net does: on the COM-PORT-OPTION and on each mask', async () => {
  const server = new UartServer(() => undefined, pins());
  const port = await server.listen(0);
  const socket = net.connect(port, '127.0.0.1');
  let fromServer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (fromServer = Buffer.concat([fromServer, d])));
  await new Promise((r) => socket.once('connect', r));
  const count = (bytes: number[]) => fromServer.toString('latin1').split(Buffer.from(bytes).toString('latin1')).length - 1;
  const modemState = [IAC, 250, 44, 107, 0, IAC, 240];
  try {
    expect(count(modemState), 'nothing before the client agrees to RFC 2217').toBe(0);
    socket.write(Buffer.from([IAC, 251, 44])); // WILL COM-PORT-OPTION
    await until(() => count(modemState) === 1, 'NOTIFY-MODEMSTATE after WILL COM-PORT-OPTION');
    socket.write(Buffer.from([IAC, 250, 44, 11, IAC, IAC, IAC, 240])); // SET-MODEMSTATE-MASK 0xff
    await until(() => count(modemState) === 2, 'NOTIFY-MODEMSTATE answering SET-MODEMSTATE-MASK');
    socket.write(Buffer.from([IAC, 250, 44, 10, 0, IAC, 240])); // SET-LINESTATE-MASK 0
    await until(() => count([IAC, 250, 44, 106, 0, IAC, 240]) === 1, 'NOTIFY-LINESTATE answering SET-LINESTATE-MASK');
    expect(count([IAC, 250, 44, 111]), 'no SET-MODEMSTATE-MASK echo (ser2net sends none)').toBe(0);
  } finally {
    socket.destroy();
    server.close();
  }
});
