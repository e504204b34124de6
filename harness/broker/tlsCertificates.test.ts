import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { connectAsync } from 'mqtt';
import { requirePeers } from '../testing/peers.ts';
import { startBroker } from './broker.ts';
import { generateRunCertificates } from './tlsCertificates.ts';

const run = promisify(execFile);

test('the broker serves TLS with a per-run CA that real clients verify', async () => {
  requirePeers('openssl', 'mosquitto_sub');
  const dir = mkdtempSync(join(tmpdir(), 'hil-tls-'));
  const certs = await generateRunCertificates(join(dir, 'tls'), ['127.0.0.1']);
  // Only certificates stay on disk.
  expect(readdirSync(certs.dir).sort()).toEqual(['ca.pem', 'server.pem']);
  const broker = await startBroker({ port: 0, tls: { cert: certs.cert, key: certs.key } });
  try {
    expect(broker.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    // mosquitto_sub checks the chain against the CA file and the address against the SAN.
    const sub = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.tlsPort), '--cafile', join(certs.dir, 'ca.pem'), '-t', 'hil/tls', '-C', '1', '-W', '10'], { timeout: 15_000 });
    await broker.waitFor((e) => e.kind === 'subscribe', { timeout: 10_000 });
    const pub = await connectAsync(broker.tlsUrl!, { ca: certs.ca, rejectUnauthorized: true });
    await pub.publishAsync('hil/tls', 'over tls', { qos: 1 });
    await pub.endAsync();
    expect((await sub).stdout.trim()).toBe('over tls');
    // A client that trusts another CA is refused.
    const other = await generateRunCertificates(join(dir, 'other'), ['127.0.0.1']);
    await expect(connectAsync(broker.tlsUrl!, { ca: other.ca, rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow(/certificate|self[- ]signed|verify/i);
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing openssl is a readable configuration error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-tls-'));
  const path = process.env.PATH;
  process.env.PATH = join(dir, 'empty');
  try {
    await expect(generateRunCertificates(join(dir, 'tls'), [])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/openssl is not installed/) });
  } finally {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  }
});
