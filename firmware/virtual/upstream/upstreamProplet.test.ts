import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { expect, test } from '@playwright/test';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { TestChip } from '../proplet/testChip.ts';
import { wat } from '../proplet/wat.ts';
import { STORAGE } from './credentials.ts';
import { upstreamApp, UPSTREAM_05_PROJECT_NAME } from './index.ts';
import { placeNvs, settingsEntries } from './testNvs.ts';

// Boot alone takes 5.5 s (wifi_manager.c sleeps 5 s after associating).
test.describe.configure({ timeout: 60_000 });

const TENANT = 'dom-1';
const CHANNEL = 'ch-1';
const topic = (suffix: string) => `m/${TENANT}/c/${CHANNEL}/${suffix}`;

/** A real TLS broker (aedes behind node's TLS server) with a throwaway certificate, and a manager-side client on it. */
async function tlsBroker() {
  const dir = mkdtempSync(join(tmpdir(), 'upstream-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const aedes = await Aedes.createBroker();
  const connects: { clientId: string; username?: string; password?: string; keepalive: number }[] = [];
  aedes.preConnect = (_c, packet, done) => {
    connects.push({ clientId: packet.clientId, username: packet.username, password: packet.password?.toString(), keepalive: packet.keepalive ?? 0 });
    done(null, true);
  };
  const tlsSockets = new Set<import('node:net').Socket>();
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
    tlsSockets.add(socket);
    socket.on('close', () => tlsSockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  // The manager side talks plain MQTT to the same broker.
  const plain: TcpServer = createTcpServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', () => resolve()));
  const manager: MqttClient = await connectAsync({ host: '127.0.0.1', port: (plain.address() as { port: number }).port, clientId: `mgr-${Math.random()}` });
  const messages: { topic: string; payload: string }[] = [];
  manager.on('message', (t, p) => messages.push({ topic: t, payload: p.toString() }));
  await manager.subscribeAsync('m/#', { qos: 1 });
  return {
    port,
    connects,
    messages,
    manager,
    dropAll: () => tlsSockets.forEach((s) => s.destroy()),
    async close() {
      await manager.endAsync(true);
      tlsSockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => plain.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function chipWith(settings: Record<string, string>): TestChip {
  const chip = new TestChip(upstreamApp, { projectName: UPSTREAM_05_PROJECT_NAME, version: '0.5.0' });
  placeNvs(chip.flash, STORAGE, [{ entries: settingsEntries(settings) }]);
  return chip;
}

function provisioned(port: number) {
  return chipWith({
    'proplet/wifi_ssid': 'lab-ap',
    'proplet/proplet_id': 'up-1',
    'proplet/client_key': 'secret',
    'proplet/domain_id': TENANT,
    'proplet/channel_id': CHANNEL,
    'proplet/mqtt_broker_host': '127.0.0.1',
    'proplet/mqtt_broker_port': String(port),
  }).powerOn();
}

async function until<T>(what: string, get: () => T | undefined, timeout = 10_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`expected ${what} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ADD = Buffer.from(wat(`(module (func (export "main") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`));
const TRAP = Buffer.from(wat(`(module (func (export "main") (result i32) unreachable))`));

function start(id: string, wasm: Buffer, inputs: unknown[]): string {
  return JSON.stringify({ id, name: `task-${id}`, state: 0, file: wasm.toString('base64'), inputs });
}

test('boots with its settings from NVS, speaks TLS and upstream lines, and has no shell', async () => {
  const broker = await tlsBroker();
  const chip = provisioned(broker.port);
  try {
    await chip.expect(/<inf> mqtt_client: MQTT connection accepted by broker/, { timeout: 15_000 });
    const boot = chip.transcript;
    expect(boot).toMatch(/^\*\*\* Booting Zephyr OS build .* \*\*\*\r\n\[[\d:.,]+\] <inf> main: Starting Proplet\.\.\.\r\n/);
    expect(boot).toContain('<inf> wifi_manager: Connecting to Wi-Fi: lab-ap');
    expect(boot).toContain(`<inf> mqtt_client: Configuring MQTT over TLS to 127.0.0.1:${broker.port}`);
    expect(boot).not.toContain('uart:~$');
    expect(broker.connects.find((c) => c.clientId === 'up-1')).toMatchObject({ clientId: 'up-1', username: 'up-1', password: 'secret', keepalive: 30 });
    const discovery = await until('discovery', () => broker.messages.find((m) => m.topic === topic('control/proplet/create')));
    expect(JSON.parse(discovery.payload)).toMatchObject({ proplet_id: 'up-1', metadata: { proplet_version: '0.1.0-PROP-103' } });
    await chip.expect(/Discovery published successfully to topic: m\/dom-1\/c\/ch-1\/control\/proplet\/create/);
    // A shell command goes nowhere.
    const mark = chip.transcript.length;
    chip.type('settings list\r\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(chip.transcript.slice(mark)).not.toMatch(/settings|uart:~\$/);
  } finally {
    chip.powerOff();
    await broker.close();
  }
});

test('tasks: numeric inputs only, WAMR errors wrapped, stop needs id, name and state', async () => {
  const broker = await tlsBroker();
  const chip = provisioned(broker.port);
  const result = (id: string) => until(`a result for ${id}`, () => broker.messages.find((m) => m.topic === topic('control/proplet/results') && JSON.parse(m.payload).task_id === id));
  try {
    await chip.expect(/Successfully subscribed to topics/, { timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 200));
    await broker.manager.publishAsync(topic('control/manager/start'), start('t1', ADD, [2, 3]), { qos: 1 });
    expect(JSON.parse((await result('t1')).payload)).toEqual({ task_id: 't1', results: '5' });
    await chip.expect(/<inf> mqtt_client: Starting task: ID=t1, Name=task-t1, Mode=/);
    await chip.expect(/<inf> mqtt_client: Published results for task: t1/);
    // The real manager sends inputs as strings: upstream reads them as 0.
    await broker.manager.publishAsync(topic('control/manager/start'), start('t2', ADD, ['2', '3']), { qos: 1 });
    expect(JSON.parse((await result('t2')).payload)).toEqual({ task_id: 't2', results: '0' });
    await broker.manager.publishAsync(topic('control/manager/start'), start('t3', TRAP, []), { qos: 1 });
    expect(JSON.parse((await result('t3')).payload)).toEqual({ task_id: 't3', results: '', error: 'WASM execution failed: Exception: unreachable' });
    await broker.manager.publishAsync(topic('control/manager/stop'), JSON.stringify({ id: 't3', broadcast: false, proplet_id: 'up-1' }), { qos: 1 });
    await chip.expect(/<err> mqtt_client: Invalid or missing 'name' field in stop command/);
  } finally {
    chip.powerOff();
    await broker.close();
  }
});

test('a payload over 1023 bytes is cut, fails to parse, and leaves the client deaf', async () => {
  const broker = await tlsBroker();
  const chip = provisioned(broker.port);
  try {
    await chip.expect(/Successfully subscribed to topics/, { timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 200));
    const big = JSON.stringify({ id: 'big', name: 'big', file: ADD.toString('base64'), inputs: [1, 2], pad: 'x'.repeat(1100) });
    await broker.manager.publishAsync(topic('control/manager/start'), big, { qos: 1 });
    await chip.expect(/<err> mqtt_client: JSON parsing error before: /);
    expect(chip.transcript).toContain(`Payload: ${big.slice(0, 1023)}\r\n`);
    const mark = chip.transcript.length;
    await broker.manager.publishAsync(topic('control/manager/start'), start('after', ADD, [1, 1]), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(chip.transcript.slice(mark)).not.toContain('Message received');
    expect(broker.messages.some((m) => m.topic === topic('control/proplet/results'))).toBe(false);
  } finally {
    chip.powerOff();
    await broker.close();
  }
});

test('a broker loss is final; a broker absent at boot ends main()', async () => {
  const broker = await tlsBroker();
  const chip = provisioned(broker.port);
  try {
    await chip.expect(/MQTT connection accepted by broker/, { timeout: 15_000 });
    broker.dropAll();
    await chip.expect(/<inf> mqtt_client: Disconnected from MQTT broker/);
    const mark = chip.transcript.length;
    await new Promise((r) => setTimeout(r, 6000));
    expect(chip.transcript.slice(mark)).not.toContain('Attempting to connect');
    expect(broker.connects.filter((c) => c.clientId === 'up-1')).toHaveLength(1);
  } finally {
    chip.powerOff();
    await broker.close();
  }
  const nobody = provisioned(1);
  try {
    await nobody.expect(/<err> mqtt_client: Failed to connect TLS socket \[111\]\r\n.*<err> main: MQTT connect failed/, { timeout: 15_000 });
  } finally {
    nobody.powerOff();
  }
});
