import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { requirePeers } from '../testing/peers.ts';
import { startBroker, type Broker } from './broker.ts';
import { mqttJsCli, PeerProcess, runPeer } from './peerProcess.ts';

// Standard MQTT clients, each in its own process, against the embedded broker.

const users = { 'proplet-1': 'key-1', manager: 'secret' };

let broker: Broker;
test.beforeEach(async () => {
  broker = await startBroker({ port: 0, auth: users });
});
test.afterEach(async () => {
  await broker.close();
});

function mosq(...args: string[]): string[] {
  return ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', ...args];
}

test('mosquitto_pub with the right password is accepted, with a wrong one refused "not authorised"', async () => {
  requirePeers('mosquitto_pub');
  const ok = await runPeer('mosquitto_pub', mosq('-i', 'proplet-1', '-u', 'proplet-1', '-P', 'key-1', '-q', '1', '-t', 'a/b', '-m', 'hi'));
  expect(ok.code, ok.stderr).toBe(0);
  const bad = await runPeer('mosquitto_pub', mosq('-i', 'proplet-1', '-u', 'proplet-1', '-P', 'wrong', '-t', 'a/b', '-m', 'no'));
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/not authori[sz]ed/i);

  const kinds = broker.events.filter((e) => ('clientId' in e && e.clientId === 'proplet-1') || e.kind === 'connect-refused');
  expect(kinds.map((e) => e.kind)).toEqual(['connect', 'publish', 'disconnect', 'connect-refused']);
  expect(kinds[0]).toMatchObject({ kind: 'connect', username: 'proplet-1' });
  expect(kinds[1]).toMatchObject({ kind: 'publish', topic: 'a/b', payload: 'hi', qos: 1 });
  expect(kinds[2]).toMatchObject({ kind: 'disconnect', cause: 'clean' });
  expect(kinds[3]).toMatchObject({ kind: 'connect-refused', username: 'proplet-1', returnCode: 5, reason: 'not authorized' });
});

test('the mqtt.js command line is refused with a wrong password and accepted with the right one', async () => {
  const [node, cli] = mqttJsCli('pub', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'manager', '-P', 'nope', '-t', 'x', '-m', '1');
  const bad = await runPeer(node, cli);
  expect(bad.stderr + bad.stdout).toMatch(/not authori[sz]ed/i);
  const [node2, cli2] = mqttJsCli('pub', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'manager', '-P', 'secret', '-q', '1', '-t', 'x', '-m', '1');
  const ok = await runPeer(node2, cli2);
  expect(ok.code, ok.stderr).toBe(0);
  await broker.waitFor((e) => e.kind === 'publish' && e.topic === 'x', { since: 0, timeout: 5000, what: 'publish on x' });
});

test('QoS 1 crosses between mosquitto_pub and an mqtt.js subscriber process', async () => {
  requirePeers('mosquitto_pub');
  const [node, cli] = mqttJsCli('sub', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'manager', '-P', 'secret', '-i', 'js-sub', '-q', '1', '-v', '-t', 'm/+/results');
  const sub = new PeerProcess(node, cli);
  try {
    await broker.waitFor((e) => e.kind === 'subscribe' && e.clientId === 'js-sub', { since: 0, timeout: 10_000, what: 'js-sub subscribing' });
    const pub = await runPeer('mosquitto_pub', mosq('-i', 'proplet-1', '-u', 'proplet-1', '-P', 'key-1', '-q', '1', '-t', 'm/t1/results', '-m', '{"task_id":"a","results":"5"}'));
    expect(pub.code, pub.stderr).toBe(0);
    await sub.waitForOutput('m/t1/results {"task_id":"a","results":"5"}', 10_000);
    const delivered = await broker.waitFor((e) => e.kind === 'deliver' && e.clientId === 'js-sub', { since: 0, timeout: 5000 });
    expect(delivered).toMatchObject({ topic: 'm/t1/results', qos: 1 });
  } finally {
    await sub.kill();
  }
});

test('a retained message reaches a mosquitto_sub that subscribes later, flagged retained', async () => {
  requirePeers('mosquitto_pub', 'mosquitto_sub');
  const [node, cli] = mqttJsCli('pub', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'manager', '-P', 'secret', '-q', '1', '-r', '-t', 'state/x', '-m', 'kept');
  expect((await runPeer(node, cli)).code).toBe(0);
  const sub = await runPeer('mosquitto_sub', mosq('-u', 'manager', '-P', 'secret', '-q', '1', '-C', '1', '-F', '%r %t %p', '-t', 'state/#'));
  expect(sub.code, sub.stderr).toBe(0);
  expect(sub.stdout.trim()).toBe('1 state/x kept');
  expect(broker.events.find((e) => e.kind === 'publish' && e.topic === 'state/x')).toMatchObject({ retain: true });
});

test('the will of a client whose socket is dropped reaches a mosquitto_sub subscriber', async () => {
  requirePeers('mosquitto_sub');
  const watcher = new PeerProcess('mosquitto_sub', mosq('-i', 'watcher', '-u', 'manager', '-P', 'secret', '-q', '1', '-C', '1', '-v', '-t', 'wills/#'));
  // The victim carries a will and then simply sits connected.
  const victim = new PeerProcess(
    'mosquitto_sub',
    mosq('-i', 'proplet-1', '-u', 'proplet-1', '-P', 'key-1', '-t', 'none', '--will-topic', 'wills/proplet-1', '--will-payload', '{"status":"offline"}', '--will-qos', '1'),
  );
  try {
    const connected = await broker.waitFor((e) => e.kind === 'connect' && e.clientId === 'proplet-1', { since: 0, timeout: 10_000 });
    expect(connected).toMatchObject({ will: { topic: 'wills/proplet-1', payload: '{"status":"offline"}', qos: 1 } });
    await broker.waitFor((e) => e.kind === 'subscribe' && e.clientId === 'watcher', { since: 0, timeout: 10_000 });
    const since = broker.mark();
    broker.drop('proplet-1');
    const got = await watcher.finished(10_000);
    expect(got.stdout.trim()).toBe('wills/proplet-1 {"status":"offline"}');
    const after = broker.events.slice(since);
    expect(after.find((e) => e.kind === 'disconnect' && e.clientId === 'proplet-1')).toMatchObject({ cause: 'dropped' });
    expect(after.find((e) => e.kind === 'publish' && e.clientId === 'proplet-1')).toMatchObject({ origin: 'will', topic: 'wills/proplet-1' });
  } finally {
    await victim.kill('SIGKILL');
    await watcher.kill();
  }
});

test('a client process killed with SIGKILL has its will delivered and its cause recorded as a lost socket', async () => {
  requirePeers('mosquitto_sub');
  const victim = new PeerProcess(
    'mosquitto_sub',
    mosq('-i', 'proplet-1', '-u', 'proplet-1', '-P', 'key-1', '-t', 'none', '--will-topic', 'wills/p1', '--will-payload', 'gone'),
  );
  await broker.waitFor((e) => e.kind === 'connect' && e.clientId === 'proplet-1', { since: 0, timeout: 10_000 });
  await victim.kill('SIGKILL');
  const will = await broker.waitFor((e) => e.kind === 'publish' && e.origin === 'will', { since: 0, timeout: 10_000, what: 'the will' });
  expect(will).toMatchObject({ topic: 'wills/p1', payload: 'gone' });
  const gone = broker.events.find((e) => e.kind === 'disconnect');
  expect(gone).toMatchObject({ clientId: 'proplet-1' });
  // The kernel closes a killed process's socket with FIN, or with RST when unread data sat in it.
  expect(['socket-closed', 'socket-error']).toContain(gone?.kind === 'disconnect' && gone.cause);
});

test('TLS: mosquitto_pub and mqtt.js publish over the TLS listener', async () => {
  requirePeers('mosquitto_pub', 'openssl');
  const dir = mkdtempSync(join(tmpdir(), 'hil-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const secure = await startBroker({ port: 0, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } });
  try {
    expect(secure.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const pub = await runPeer('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(secure.tlsPort), '--cafile', join(dir, 'cert.pem'), '-q', '1', '-t', 'tls/a', '-m', 'secret']);
    expect(pub.code, pub.stderr).toBe(0);
    const [node, cli] = mqttJsCli('pub', '-h', '127.0.0.1', '-p', String(secure.tlsPort), '-C', 'mqtts', '--ca', join(dir, 'cert.pem'), '-q', '1', '-t', 'tls/b', '-m', 'also');
    const js = await runPeer(node, cli);
    expect(js.code, js.stderr).toBe(0);
    const topics = secure.events.filter((e) => e.kind === 'publish').map((e) => (e.kind === 'publish' ? `${e.topic}=${e.payload}` : ''));
    expect(topics).toEqual(['tls/a=secret', 'tls/b=also']);
  } finally {
    await secure.close();
  }
});
