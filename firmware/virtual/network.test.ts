import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { alive } from './testing/boardProcess.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A board process: starts its network, dials the "broker", says hello, then does as told on stdin. */
const BOARD = `
  const { Network } = await import('./firmware/virtual/network.ts');
  const network = await Network.start();
  const socket = network.connect('127.0.0.1', Number(process.argv[1]));
  socket.write('hello');
  socket.on('error', () => {});
  process.stdout.write('radio ' + network.radioPid + '\\n');
  process.stdin.on('data', (d) => {
    if (String(d).includes('end')) socket.end();
    if (String(d).includes('vanish')) network.vanish();
  });
`;

function startBroker(): Promise<{ server: Server; port: number; next: Promise<Socket> }> {
  const server = createServer();
  const next = once(server, 'connection').then(([s]) => s as Socket);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, next })));
}

function startBoard(port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', BOARD, String(port)], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  const radioPid = new Promise<number>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /radio (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, radioPid };
}

async function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.readableEnded) return true;
  return Promise.race([once(socket, 'end').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}


test('a power cut leaves the broker side silent and open, as a powerless chip would', async () => {
  const broker = await startBroker();
  const board = startBoard(broker.port);
  try {
    const socket = await broker.next;
    const [hello] = (await once(socket, 'data')) as [Buffer];
    expect(hello.toString()).toBe('hello');
    const radio = await board.radioPid;
    board.child.kill('SIGKILL');
    expect(await closedWithin(socket, 1_500), 'the broker must not see a FIN from a board without power').toBe(false);
    // The broker gives up on it (its keep-alive); the radio then has nothing left to hold.
    socket.destroy();
    await expect.poll(() => alive(radio), { timeout: 5_000 }).toBe(false);
  } finally {
    board.child.kill('SIGKILL');
    broker.server.close();
  }
});

test('an orderly close by the firmware reaches the broker as a FIN', async () => {
  const broker = await startBroker();
  const board = startBoard(broker.port);
  try {
    const socket = await broker.next;
    await once(socket, 'data');
    board.child.stdin.write('end\n');
    expect(await closedWithin(socket, 5_000)).toBe(true);
  } finally {
    board.child.kill('SIGKILL');
    broker.server.close();
  }
});

test('a chip reset silences its connections without closing them', async () => {
  const broker = await startBroker();
  const board = startBoard(broker.port);
  try {
    const socket = await broker.next;
    await once(socket, 'data');
    board.child.stdin.write('vanish\n');
    expect(await closedWithin(socket, 1_500)).toBe(false);
    socket.destroy();
  } finally {
    board.child.kill('SIGKILL');
    broker.server.close();
  }
});
