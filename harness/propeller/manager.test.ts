import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import mqtt, { type MqttClient } from 'mqtt';
import { buildWorkloads } from '../../fixtures/workloads.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { PeerProcess } from '../broker/peerProcess.ts';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { Manager } from './manager.ts';
import { StartPayloadSchema } from './payloads.ts';
import { propellerTopics } from './topics.ts';
import { loadWorkloads, type LoadedWorkload } from './workloadTable.ts';

// The Manager against a scripted proplet: a plain mqtt.js client that answers start messages
// by running the module in Node's WebAssembly engine, as the firmware would with WAMR.

const tenant = 'tenant-1';
const channel = 'channel-1';
const topics = propellerTopics(tenant, channel);
const credentials = { 'proplet-1': 'key-1', manager: 'manager-secret' };

let workloads: Record<string, LoadedWorkload>;
test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-manager-'));
  await buildWorkloads(dir);
  workloads = loadWorkloads(dir);
});

let broker: Broker | undefined;
const closers: (() => Promise<unknown>)[] = [];
test.afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await broker?.close();
  broker = undefined;
});

function runModule(file: Buffer, inputs: (string | number)[]): { results: string } | { error: string } {
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(file)));
    const main = exports.main as (...a: number[]) => number;
    return { results: String(main(...inputs.map(Number))) };
  } catch (err) {
    return { error: `Exception: ${(err as Error).message}` };
  }
}

/** A proplet as MQTT sees it: will, discovery, alive, and an answer to every start message. */
async function scriptedProplet(url: string, id = 'proplet-1', reconnectPeriod = 0): Promise<MqttClient> {
  const alive = JSON.stringify({ status: 'alive', proplet_id: id, namespace: 'embedded' });
  const client = mqtt.connect(url, {
    clientId: id,
    username: id,
    password: credentials['proplet-1'],
    clean: false,
    reconnectPeriod,
    will: { topic: topics.alive, payload: Buffer.from(JSON.stringify({ status: 'offline', proplet_id: id, namespace: 'embedded' })), qos: 1, retain: false },
  });
  const pendingImages = new Map<string, (data: Buffer) => void>();
  client.on('message', (topic, payload) => {
    if (topic === topics.registryServer) {
      const { app_name, data } = JSON.parse(payload.toString()) as { app_name: string; data: string };
      pendingImages.get(app_name)?.(Buffer.from(data, 'base64'));
      return;
    }
    if (topic !== topics.start) return;
    const task = StartPayloadSchema.parse(JSON.parse(payload.toString()));
    const answer = (file: Buffer) => {
      const outcome = runModule(file, task.inputs ?? []);
      const result = 'error' in outcome ? { task_id: task.id, results: '', error: outcome.error } : { task_id: task.id, ...outcome };
      client.publish(topics.results, JSON.stringify(result), { qos: 1 });
    };
    if (task.file) return answer(Buffer.from(task.file, 'base64'));
    pendingImages.set(task.image_url!, answer);
    client.publish(topics.registryProplet, JSON.stringify({ app_name: task.image_url }), { qos: 1 });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync([topics.start, topics.stop, topics.registryServer], { qos: 1 });
  const discovery = {
    proplet_id: id,
    namespace: 'embedded',
    metadata: {
      description: 'Propeller embedded proplet', tags: ['esp32s3', 'zephyr', 'wamr'], location: '', ip: '127.0.0.1',
      environment: 'embedded', os: 'zephyr', hostname: 'proplet-a1b2c3', cpu_arch: 'xtensa', total_memory_bytes: 40960,
      proplet_version: '1.0.0', wasm_runtime: 'wamr',
    },
  };
  await client.publishAsync(topics.discovery, JSON.stringify(discovery), { qos: 1 });
  await client.publishAsync(topics.alive, alive, { qos: 1 });
  closers.push(() => client.endAsync(true));
  return client;
}

function manager(url: string, withCredentials = true): Manager {
  const m = new Manager({ url, tenant, channel, client: withCredentials ? { username: 'manager', password: credentials.manager } : {} });
  closers.push(() => m.close());
  return m;
}

test('round trip: discovery, alive, results and errors of real modules, then the will on a dropped socket', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  await m.ready();
  const since = m.mark();
  await scriptedProplet(broker.url);
  const discovery = await m.awaitDiscovery('proplet-1', { timeout: 5000, since });
  expect(discovery.metadata.total_memory_bytes).toBe(40960);
  await m.awaitAlive('proplet-1', { timeout: 5000, since });

  expect(await m.run(workloads.add)).toEqual({ results: '5' });
  expect(await m.run(workloads.add, [40, 2])).toEqual({ results: '42' });
  expect(await m.run(workloads.fib.bytes, [10])).toEqual({ results: '55' });
  expect(await m.run(workloads.trap, undefined, { timeout: 5000 })).toEqual({ error: 'Exception: unreachable' });

  await m.stop('some-task', 'add');
  const stop = await broker.waitFor((e) => e.kind === 'publish' && e.topic === topics.stop, { since: 0, timeout: 5000, what: 'the stop message' });
  // The real manager's stop shape (unaddressed: this manager was given no board).
  expect(stop).toMatchObject({ payload: '{"broadcast":false,"id":"some-task"}', qos: 1 });

  const beforeDrop = m.mark();
  broker.drop('proplet-1');
  const will = await m.awaitOffline('proplet-1', { timeout: 5000, since: beforeDrop });
  expect(will).toEqual({ status: 'offline', proplet_id: 'proplet-1', namespace: 'embedded' });
  expect(m.findings).toEqual([]);
});

test('a start with image_url is served from the registry the manager provides', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  m.provideImage('registry/add:1', workloads.add.bytes);
  await scriptedProplet(broker.url);
  const id = await m.start({ id: 'from-registry', name: 'add', image_url: 'registry/add:1', inputs: [1, 2] });
  expect(await m.awaitResult(id, { timeout: 5000 })).toEqual({ results: '3' });
  expect(broker.events.some((e) => e.kind === 'publish' && e.topic === topics.registryServer)).toBe(true);
});

test('a fetch the test answers itself is neither answered nor a finding; an unknown one is a finding', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  m.answersFetchItself('registry/broken:1');
  await scriptedProplet(broker.url);
  await m.start({ id: 'answered-elsewhere', name: 'add', image_url: 'registry/broken:1', inputs: [1, 2] });
  await m.start({ id: 'unknown-image', name: 'add', image_url: 'registry/unknown:1', inputs: [1, 2] });
  await broker.waitFor((e) => e.kind === 'publish' && e.topic === topics.registryProplet && e.payload.includes('unknown:1'), { since: 0, timeout: 5000, what: 'the second fetch' });
  await expect.poll(() => m.findings.map((f) => f.problem), { timeout: 5000 }).toEqual(['registry request for unknown image registry/unknown:1']);
  expect(broker.events.some((e) => e.kind === 'publish' && e.topic === topics.registryServer)).toBe(false);
});

test('invalid and unexpected payloads become findings, and the manager keeps working', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  const proplet = await scriptedProplet(broker.url);
  await m.ready();
  await proplet.publishAsync(topics.results, 'not json at all', { qos: 1 });
  await proplet.publishAsync(topics.alive, JSON.stringify({ status: 'alive', proplet_id: 'proplet-1', namespace: 'linux' }), { qos: 1 });
  await proplet.publishAsync(topics.results, JSON.stringify({ task_id: 'nobody-started-this', results: '1' }), { qos: 1 });
  await proplet.publishAsync(topics.results, JSON.stringify({ task_id: 'x', results: '1', error: 'both' }), { qos: 1 });
  await proplet.publishAsync(`${topics.prefix}control/proplet/task_metrics`, '{}', { qos: 1 });
  // The {heap, tasks} metrics this firmware used to publish: the real manager stores them empty.
  const oldMetrics = { proplet_id: 'proplet-1', namespace: 'embedded', heap: { used: 1, free: 2, high: 3, total: 4 }, tasks: { running: 0, finished: 0, failed: 0 } };
  await proplet.publishAsync(topics.metrics, JSON.stringify(oldMetrics), { qos: 1 });
  await proplet.publishAsync(`${topics.prefix}control/proplet/nonsense`, '{}', { qos: 1 });
  expect(await m.run(workloads.add, [1, 1])).toEqual({ results: '2' });
  expect(m.findings.map((f) => f.problem)).toEqual([
    'payload is not JSON',
    'invalid alive payload: namespace: Invalid input: expected "embedded"',
    'result for task nobody-started-this, which this manager did not start',
    expect.stringMatching(/^invalid results payload/),
    expect.stringMatching(/^invalid taskMetrics payload: task_id/),
    expect.stringMatching(/^invalid metrics payload: (cpu|memory)_metrics/),
    'unexpected topic',
  ]);
});

test('a timeout is a HilError that lists the messages seen on the awaited topic', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  await scriptedProplet(broker.url);
  await m.run(workloads.add);
  const err = await m.awaitResult('never-started', { timeout: 300 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('no result for task never-started within 300 ms');
  expect((err as HilError).message).toContain(`${topics.results} {"task_id"`);
  const offline = await m.awaitOffline('proplet-1', { timeout: 200 }).catch((e: unknown) => e);
  expect((offline as HilError).message).toContain(`nothing arrived on ${topics.alive}`);
});

test('a wrong password is a HilError naming the broker, not a hang', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = new Manager({ url: broker.url, tenant, channel, client: { username: 'manager', password: 'wrong', reconnectPeriod: 0 }, connectTimeout: 2000 });
  closers.push(() => m.close());
  const err = await m.ready().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toMatch(/could not connect to mqtt:\/\/127\.0\.0\.1:\d+.*not authorized/i);
});

test('after a broker restart the manager reconnects, renews its subscriptions and runs tasks again', async () => {
  broker = await startBroker({ port: 0, auth: credentials });
  const m = manager(broker.url);
  await scriptedProplet(broker.url, 'proplet-1', 100);
  expect(await m.run(workloads.add, [1, 2])).toEqual({ results: '3' });
  const before = broker.mark();
  await broker.restart();
  await broker.waitFor((e) => e.kind === 'subscribe' && e.clientId === 'proplet-1', { since: before, timeout: 10_000, what: 'the proplet subscribing again' });
  expect(await m.run(workloads.add, [3, 4], { timeout: 10_000 })).toEqual({ results: '7' });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('the manager works with an external Mosquitto broker too', async () => {
  requirePeers('mosquitto');
  const port = await freePort();
  const conf = join(mkdtempSync(join(tmpdir(), 'hil-mosquitto-')), 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const mosquitto = new PeerProcess('mosquitto', ['-c', conf]);
  closers.push(() => mosquitto.kill());
  const url = `mqtt://127.0.0.1:${port}`;
  const m = new Manager({ url, tenant, channel, connectTimeout: 5000 });
  closers.push(() => m.close());
  await m.ready();
  const proplet = await scriptedProplet(url);
  expect(await m.run(workloads.add, [2, 2])).toEqual({ results: '4' });
  const since = m.mark();
  proplet.stream.destroy();
  expect(await m.awaitOffline('proplet-1', { timeout: 5000, since })).toMatchObject({ status: 'offline' });
});
