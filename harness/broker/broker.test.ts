import { mkdtempSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { HilError } from '../errors.ts';
import { startBroker, type Broker } from './broker.ts';
import { readTrace } from './recorder.ts';

// The broker's faults and the recorder, seen from the side of real mqtt.js clients over TCP.

let broker: Broker;
const clients: MqttClient[] = [];

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker?.close();
});

function client(opts: IClientOptions): MqttClient {
  const c = mqtt.connect(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(c);
  return c;
}

/** Resolves with the first emission of `event`, or fails naming it after `timeout`. */
function once<T = unknown>(c: MqttClient, event: string, timeout = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mqtt.js client saw no "${event}" within ${timeout} ms`)), timeout);
    c.once(event as 'connect', (arg: unknown) => {
      clearTimeout(timer);
      resolve(arg as T);
    });
  });
}

/** A client that speaks just enough MQTT by hand to misbehave: CONNECT, then silence or garbage. */
function rawConnect(port: number, clientId: string, keepalive: number) {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, keepalive >> 8, keepalive & 0xff, id.length >> 8, id.length & 0xff]),
    id,
  ]);
  const socket = tcpConnect(port, '127.0.0.1');
  socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
  socket.on('error', () => {});
  return socket;
}

test('disconnect causes: clean, dropped, keep-alive timeout, socket error, taken over, broker closed', async () => {
  broker = await startBroker({ port: 0 });
  const clean = client({ clientId: 'clean' });
  await once(clean, 'connect');
  await clean.endAsync();

  const dropped = client({ clientId: 'dropped' });
  await once(dropped, 'connect');
  const closed = once(dropped, 'close');
  broker.drop('dropped');
  await closed;

  const silent = rawConnect(broker.port, 'silent', 1);
  await broker.waitFor((e) => e.kind === 'disconnect' && e.clientId === 'silent', { since: 0, timeout: 5000, what: 'silent timing out' });
  silent.destroy();

  const noisy = rawConnect(broker.port, 'noisy', 30);
  await broker.waitFor((e) => e.kind === 'connect' && e.clientId === 'noisy', { since: 0, timeout: 5000 });
  noisy.write(Buffer.from([0xf0, 0x00])); // packet type 15 is reserved in MQTT 3.1.1
  await broker.waitFor((e) => e.kind === 'disconnect' && e.clientId === 'noisy', { since: 0, timeout: 5000 });

  const first = client({ clientId: 'twin' });
  await once(first, 'connect');
  const second = client({ clientId: 'twin' });
  await once(second, 'connect');

  const survivor = client({ clientId: 'survivor' });
  await once(survivor, 'connect');
  await broker.close();

  const causes = broker.events.flatMap((e) => (e.kind === 'disconnect' ? [`${e.clientId}: ${e.cause}`] : []));
  expect(causes.slice(0, 5)).toEqual(['clean: clean', 'dropped: dropped', 'silent: keepalive-timeout', 'noisy: socket-error', 'twin: taken-over']);
  // The broker closes the last two in no particular order.
  expect(causes.slice(5).sort()).toEqual(['survivor: broker-closed', 'twin: broker-closed']);
});

test('drop() cuts the socket without DISCONNECT: the client sees the close, a subscriber gets its will', async () => {
  broker = await startBroker({ port: 0 });
  const watcher = client({ clientId: 'watcher' });
  await once(watcher, 'connect');
  await watcher.subscribeAsync('lwt/#', { qos: 1 });
  const victim = client({ clientId: 'victim', will: { topic: 'lwt/victim', payload: Buffer.from('offline'), qos: 1, retain: false } });
  await once(victim, 'connect');
  const message = new Promise<string>((resolve) => watcher.on('message', (topic, payload) => resolve(`${topic} ${payload}`)));
  const closed = once(victim, 'close');
  broker.drop('victim');
  await closed;
  expect(await message).toBe('lwt/victim offline');
  expect(() => broker.drop('nobody')).toThrow(HilError);
});

test('refuseConnections(): new clients get CONNACK "server unavailable", connected ones stay, and it ends', async () => {
  broker = await startBroker({ port: 0 });
  const stays = client({ clientId: 'stays' });
  await once(stays, 'connect');
  broker.refuseConnections(60_000);
  const refused = client({ clientId: 'late' });
  const err = await once<Error & { code?: number }>(refused, 'error');
  expect(err.code).toBe(3);
  expect(stays.connected).toBe(true);
  expect(broker.events.at(-1)).toMatchObject({ kind: 'connect-refused', clientId: 'late', returnCode: 3 });

  broker.refuseConnections(0);
  const later = client({ clientId: 'later' });
  await once(later, 'connect');
});

test('refuseConnections({ how: "close" }) cuts the socket before any CONNACK', async () => {
  broker = await startBroker({ port: 0 });
  broker.refuseConnections(60_000, { how: 'close' });
  const c = client({ clientId: 'cut' });
  let connected = false;
  c.on('connect', () => (connected = true));
  await once(c, 'close');
  expect(connected).toBe(false);
  expect(broker.events.at(-1)).toMatchObject({ kind: 'connect-refused', reason: 'refusing connections (socket closed)' });
});

test('restart(): clients lose the connection, reconnect on the same port, and the history is kept', async () => {
  broker = await startBroker({ port: 0 });
  const port = broker.port;
  const c = client({ clientId: 'comeback', reconnectPeriod: 100 });
  await once(c, 'connect');
  await c.publishAsync('before', 'x', { qos: 1 });
  const closed = once(c, 'close');
  await broker.restart({ downtimeMs: 200 });
  await closed;
  await once(c, 'connect');
  await c.publishAsync('after', 'y', { qos: 1 });
  expect(broker.port).toBe(port);
  const story = broker.events.map((e) => (e.kind === 'publish' ? `publish ${e.topic}` : e.kind));
  expect(story).toEqual(['listening', 'connect', 'publish before', 'disconnect', 'stopped', 'listening', 'connect', 'publish after']);
});

test('a port in use is a HilError that says so', async () => {
  broker = await startBroker({ port: 0 });
  const err = await startBroker({ port: broker.port }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('EADDRINUSE');
});

test('auth: a credentials function sees user, password and client id', async () => {
  const seen: string[] = [];
  broker = await startBroker({
    port: 0,
    auth: (user, pass, id) => {
      seen.push(`${user}:${pass}@${id}`);
      return pass === 'good';
    },
  });
  await once(client({ clientId: 'c1', username: 'u', password: 'good' }), 'connect');
  const err = await once<Error & { code?: number }>(client({ clientId: 'c2', username: 'u', password: 'bad' }), 'error');
  expect(err.code).toBe(5);
  expect(err.message).toMatch(/not authorized/i);
  expect(seen).toEqual(['u:good@c1', 'u:bad@c2']);
});

test('the recorder misses nothing across 10 000 messages, in memory and in the JSONL file', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hil-rec-')), 'mqtt.jsonl');
  broker = await startBroker({ port: 0, recordTo: file });
  const sub = client({ clientId: 'sub' });
  await once(sub, 'connect');
  await sub.subscribeAsync('load/#', { qos: 1 });
  let received = 0;
  const all = new Promise<void>((resolve) =>
    sub.on('message', () => {
      if (++received === 10_000) resolve();
    }),
  );
  const pub = client({ clientId: 'pub' });
  await once(pub, 'connect');
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => pub.publishAsync(`load/${i % 7}`, String(i), { qos: 1 })));
  await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`subscriber got ${received} of 10000`)), 30_000))]);

  const published = broker.events.flatMap((e) => (e.kind === 'publish' ? [Number(e.payload)] : []));
  const delivered = broker.events.flatMap((e) => (e.kind === 'deliver' ? [Number(e.payload)] : []));
  const expected = Array.from({ length: 10_000 }, (_, i) => i);
  expect(published).toEqual(expected);
  expect([...delivered].sort((a, b) => a - b)).toEqual(expected);
  expect(broker.events.map((e) => e.seq)).toEqual(broker.events.map((_, i) => i));

  const trace = readTrace(file);
  expect(trace).toEqual(JSON.parse(JSON.stringify(broker.events)));
});

test('a second broker recording into the same trace (a restarted worker) appends: what came before stays', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hil-rec-')), 'mqtt-v0.jsonl');
  for (const payload of ['before the failure', 'after the restart']) {
    broker = await startBroker({ port: 0, recordTo: file });
    const c = client({ clientId: 'p0' });
    await once(c, 'connect');
    await c.publishAsync('t', payload, { qos: 1 });
    await Promise.all(clients.splice(0).map((x) => x.endAsync(true)));
    await broker.close();
  }
  const publishes = readTrace(file).flatMap((e) => (e.kind === 'publish' ? [e.payload] : []));
  expect(publishes).toEqual(['before the failure', 'after the restart']);
});

test('waitFor fails with the last events listed', async () => {
  broker = await startBroker({ port: 0 });
  const c = client({ clientId: 'someone' });
  await once(c, 'connect');
  const err = await broker.waitFor((e) => e.kind === 'publish', { since: 0, timeout: 100, what: 'any publish' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('no MQTT event any publish within 100 ms');
  expect((err as HilError).message).toContain('someone connected');
});

test('subscribe and unsubscribe are recorded with their topics; closing a session is not an unsubscribe', async () => {
  broker = await startBroker({ port: 0 });
  const c = client({ clientId: 'reader', keepalive: 7 });
  await once(c, 'connect');
  await c.subscribeAsync({ 'a/+': { qos: 1 }, 'b/#': { qos: 0 } });
  await c.unsubscribeAsync('a/+');
  await c.endAsync();
  const story = broker.events.filter((e) => e.kind !== 'listening');
  expect(story.map((e) => e.kind)).toEqual(['connect', 'subscribe', 'unsubscribe', 'disconnect']);
  expect(story[0]).toMatchObject({ clientId: 'reader', keepalive: 7, clean: true });
  expect(story[1]).toMatchObject({ subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 0 }] });
  expect(story[2]).toMatchObject({ topics: ['a/+'] });
});
