import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { PeerProcess, runPeer } from '../../broker/peerProcess.ts';
import { requirePeers } from '../../testing/peers.ts';

// `hil broker` as a person runs it, with standard MQTT clients as the board stand-ins.

const hil = fileURLToPath(new URL('../hil.mjs', import.meta.url));

test('hil broker shows connects, refusals, publishes and deliveries from standard clients, and ends on Ctrl-C', async () => {
  requirePeers('mosquitto_pub', 'mosquitto_sub');
  const broker = new PeerProcess(process.execPath, [hil, 'broker', '--port', '0', '--bind', '127.0.0.1', '--user', 'proplet-1', '--password', 'key-1']);
  try {
    await broker.waitForOutput('broker listening on mqtt://127.0.0.1:', 15_000);
    const port = /mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(broker.stdout)![1]!;
    const auth = ['-h', '127.0.0.1', '-p', port, '-u', 'proplet-1', '-P', 'key-1'];
    const sub = new PeerProcess('mosquitto_sub', [...auth, '-i', 'watcher', '-q', '1', '-C', '1', '-t', 'm/+/c/+/control/manager/start']);
    await broker.waitForOutput('watcher subscribed m/+/c/+/control/manager/start q1', 10_000);
    const task = JSON.stringify({ id: 't1', name: 'add', file: 'A'.repeat(400), inputs: [2, 3] });
    const pub = await runPeer('mosquitto_pub', [...auth, '-i', 'manager', '-q', '1', '-t', 'm/t/c/c/control/manager/start', '-m', task]);
    expect(pub.code, pub.stderr).toBe(0);
    expect((await sub.finished(10_000)).stdout.trim()).toBe(task);
    const bad = await runPeer('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-u', 'proplet-1', '-P', 'nope', '-t', 'x', '-m', 'y']);
    expect(bad.code).not.toBe(0);
    await broker.waitForOutput('refused: not authorized (rc=5)', 5000);

    const view = broker.stdout;
    expect(view).toContain('manager connected user=proplet-1');
    // The module travels as base64; the view shows its size, not 400 characters of it.
    expect(view).toContain('← manager  m/t/c/c/control/manager/start q1  {"id":"t1","name":"add","file":"<base64 400 chars>","inputs":[2,3]}');
    expect(view).toContain('→ watcher  m/t/c/c/control/manager/start q1');
    expect(view).toContain('manager disconnected: clean');
  } finally {
    broker.child.kill('SIGINT');
  }
  const end = await broker.finished(10_000);
  expect(end.code, end.stderr).toBe(0);
  expect(end.stdout).toContain('broker stopped');
});

test('hil broker listens on 127.0.0.1 by default and wants credentials unless --anonymous', async () => {
  const bare = await runPeer(process.execPath, [hil, 'broker', '--port', '0']);
  expect(bare.code).toBe(2);
  expect(bare.stderr.trim()).toBe('hil: hil broker needs credentials: --user U --password P (or --anonymous to accept any client)');
  const open = new PeerProcess(process.execPath, [hil, 'broker', '--port', '0', '--anonymous']);
  try {
    await open.waitForOutput('broker listening on ', 15_000);
    const port = Number(/broker listening on mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(open.stdout)?.[1]);
    // Listening on loopback only: the kernel's table of listening sockets says so.
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const listening = [readFileSync('/proc/net/tcp', 'utf8'), readFileSync('/proc/net/tcp6', 'utf8')]
      .join('\n')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => f[1]!.split(':')[0]);
    expect(listening).toEqual(['0100007F']);
  } finally {
    open.kill('SIGINT');
    await open.finished(10_000);
  }
});

test('hil broker refuses --user without --password as a usage error', async () => {
  const run = await runPeer(process.execPath, [hil, 'broker', '--user', 'u']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--user and --password go together');
});
