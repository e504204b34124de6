import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { VirtualBoard } from '../bench/virtualBoards.ts';
import { startBroker } from '../broker/broker.ts';
import { generateRunCertificates } from '../broker/tlsCertificates.ts';
import { requirePeers } from '../testing/peers.ts';

/**
 * The writer and an independent reader of the format meet only through flash: `hil provision
 * --settings-image` writes the partition image, `hil flash` writes it with upstream's firmware
 * to a virtual board (a separate process whose NVS reader shares no code with harness/), and
 * the board must come up with exactly those settings, over TLS, to a broker with a per-run CA.
 */

const HIL = new URL('../cli/hil.mjs', import.meta.url).pathname;
const run = promisify(execFile);
test.describe.configure({ timeout: 90_000 });

async function hil(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [HIL, ...args], { timeout: 60_000, env: { ...process.env, HIL_LOG_LEVEL: 'info' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('an upstream board flashed with a settings image boots with those settings and reaches a TLS broker', async () => {
  requirePeers('openssl');
  const dir = mkdtempSync(join(tmpdir(), 'hil-settings-image-'));
  const certs = await generateRunCertificates(join(dir, 'tls'), ['127.0.0.1']);
  const broker = await startBroker({ port: 0, tls: { cert: certs.cert, key: certs.key }, auth: { 'up-img-1': 'img-key' } });
  const board = await VirtualBoard.start({ stateDir: join(dir, 'board') });
  try {
    const out = join(dir, 'settings.bin');
    const written = await hil([
      'provision', '--settings-image', out, '--profile', 'upstream-0.5', '--firmware', 'fixtures/build/upstream.bin', '--tls',
      '--broker-host', '127.0.0.1', '--broker-port', String(broker.tlsPort), '--proplet-id', 'up-img-1', '--api-key', 'img-key',
      '--tenant', 'dom-img', '--channel', 'ch-img', '--wifi-ssid', 'bench-ap',
    ]);
    expect(written.code, written.stderr).toBe(0);
    // The image holds the API key: owner-only.
    expect(statSync(out).mode & 0o077).toBe(0);
    const manifestPath = join(dir, 'settings.manifest.yaml');
    expect(parse(readFileSync(manifestPath, 'utf8')).regions.map((r: { offset: string }) => r.offset)).toEqual(['0x0', '0x3b0000']);

    // hil flash watches the boot itself: it returns only once upstream's boot line is seen.
    const flashed = await hil(['flash', '--port', board.url, '--manifest', manifestPath]);
    expect(flashed.code, flashed.stderr).toBe(0);
    // Identity, key, tenant, channel, broker address and port all came from the image: the broker
    // let the board in (auth), over TLS, and its discovery went to the image's topic.
    const connect = await broker.waitFor((e) => e.kind === 'connect' && e.clientId === 'up-img-1', { timeout: 30_000 });
    expect(connect).toMatchObject({ clientId: 'up-img-1' });
    const discovery = await broker.waitFor((e) => e.kind === 'publish' && e.topic === 'm/dom-img/c/ch-img/control/proplet/create', { timeout: 10_000 });
    expect(discovery).toMatchObject({ clientId: 'up-img-1' });
    expect(broker.events.some((e) => e.kind === 'connect-refused')).toBe(false);
  } finally {
    await board.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a settings image for a profile that has no key for an option is refused, exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-settings-image-'));
  try {
    const done = await hil([
      'provision', '--settings-image', join(dir, 's.bin'), '--profile', 'upstream-0.5', '--keepalive', '5',
      '--broker-host', 'h', '--broker-port', '1', '--proplet-id', 'p', '--api-key', 'k', '--tenant', 't', '--channel', 'c',
    ]);
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/firmware profile upstream-0\.5 has no setting for keepAliveS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
