import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Console } from '../console/console.ts';
import { HilError } from '../errors.ts';
import { openTransport } from '../transport/open.ts';
import type { Transport } from '../transport/transport.ts';
import { provision, settingKeys, shellArg } from './provision.ts';
import { VirtualBoard } from './virtualBoards.ts';

const IMAGE = 'fixtures/build/proplet.bin';
const TIMEOUT = 10_000;

const settings = {
  brokerHost: '127.0.0.1',
  brokerPort: 1,
  propletId: 'prov-1',
  apiKey: 'key with "quotes" and \\ spaces',
  tenant: 't',
  channel: 'c',
  wifiSsid: 'lab-net',
  keepAliveS: 5,
};

interface Rig {
  board: VirtualBoard;
  transport: Transport;
  console: Console;
  dir: string;
}

async function rig(opts: { strapDownload?: boolean } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-'));
  const board = await VirtualBoard.start({ stateDir: join(dir, 'board'), firmware: IMAGE, ...opts });
  const transport = await openTransport(board.url, { baud: 115200 });
  const console = new Console(transport, { name: 'v-prov', transcriptPath: join(dir, 'console.log') });
  console.start();
  return { board, transport, console, dir };
}

async function teardown(r: Rig): Promise<void> {
  r.console.stop();
  await r.transport.close();
  await r.board.stop();
  rmSync(r.dir, { recursive: true, force: true });
}

test('settings map to the firmware keys; values are quoted for the shell only when needed', () => {
  expect(settingKeys(settings)).toEqual([
    ['wifi_ssid', 'lab-net'],
    ['proplet_id', 'prov-1'],
    ['api_key', 'key with "quotes" and \\ spaces'],
    ['tenant_id', 't'],
    ['channel_id', 'c'],
    ['mqtt_broker_host', '127.0.0.1'],
    ['mqtt_broker_port', '1'],
    ['keepalive_s', '5'],
  ]);
  expect(shellArg('plain')).toBe('plain');
  expect(shellArg('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
  expect(shellArg('')).toBe('""');
});

test('the API key and Wi-Fi PSK typed into the shell stand masked in the transcript, echo and read-back alike', async () => {
  const r = await rig();
  try {
    const secret = { ...settings, apiKey: 'k3y-9f2c-secret', wifiPsk: 'psk with "quote" 42' };
    await provision(r.console, secret, { timeout: TIMEOUT });
    r.console.stop();
    const transcript = readFileSync(join(r.dir, 'console.log'), 'utf8');
    expect(transcript).toContain('settings write string proplet/api_key ***');
    expect(transcript).toContain('settings write string proplet/wifi_psk ***');
    expect(transcript).toContain('settings write string proplet/proplet_id prov-1');
    expect(transcript).not.toContain('k3y-9f2c-secret');
    expect(transcript).not.toContain('psk with');
    expect(r.console.tail(50).join('\n')).not.toContain('k3y-9f2c-secret');
  } finally {
    await teardown(r);
  }
});

// The board booted before the console was opened (its first lines are gone, as on a real
// UART): provision() must find the shell on its own.
test('provision writes, verifies and reboots; the firmware comes up with the settings', async () => {
  const r = await rig();
  try {
    const since = r.console.mark();
    const boot = await provision(r.console, settings, { timeout: TIMEOUT });
    expect(boot.version).toBe('1.0.0');
    const loaded = await r.console.waitFor('settings.loaded', { since, timeout: TIMEOUT });
    expect(loaded).toMatchObject({ proplet_id: 'prov-1', broker: '127.0.0.1:1' });
    expect(await r.console.waitFor('wifi.connecting', { since, timeout: TIMEOUT })).toMatchObject({ ssid: 'lab-net' });
    const banner = r.console.events.slice(since).find((e) => e.kind === 'rom.banner');
    expect(banner, 'kernel reboot cold shows in the ROM banner').toMatchObject({ resetCause: 'RTC_SW_SYS_RST' });
  } finally {
    await teardown(r);
  }
});

test('a setting the firmware cannot store fails with the shell error', async () => {
  const r = await rig();
  try {
    const err = await provision(r.console, { ...settings, apiKey: 'k'.repeat(5000) }, { timeout: TIMEOUT }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).message).toMatch(/writing proplet\/api_key failed: Failed to write setting: -28/);
  } finally {
    await teardown(r);
  }
});

test('a board without a shell (download mode) fails clearly', async () => {
  const r = await rig({ strapDownload: true });
  try {
    const err = await provision(r.console, settings, { timeout: 1500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HilError);
    expect((err as HilError).message).toBe('v-prov: no shell prompt on the console');
  } finally {
    await teardown(r);
  }
});
