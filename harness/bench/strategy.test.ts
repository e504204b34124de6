import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import type { BoardConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { firmwareFromImage } from '../flash/manifest.ts';
import { ensureFixtures, fixture, removeState, startBoard } from '../testing/virtualBoard.ts';
import { openBoard } from './board.ts';
import { profileByName } from '../profiles/builtin.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { settingsRegion } from '../provision/settingsRegion.ts';
import { BoardStrategy } from './strategy.ts';

const log = pino({ level: 'silent' });

test.beforeAll(() => ensureFixtures());

async function withStrategy(
  reset: BoardConfig['reset'],
  timeouts: { boot: number; flash: number; mqttConnect: number },
  fn: (strategy: BoardStrategy) => Promise<void>,
  profile?: FirmwareProfile,
) {
  const virtual = await startBoard();
  const dir = mkdtempSync(join(tmpdir(), 'hil-strategy-'));
  const config: BoardConfig = { name: 's0', chip: 'esp32s3', port: virtual.url, baud: 115200, flashBaud: 921600, reset, power: { driver: 'rts' }, rfc2217Server: 'auto', taskInputs: 'strings' };
  const board = await openBoard(config, { configPath: join(dir, 'lab.config.yaml'), transcriptPath: join(dir, 's0.log'), log, ...(profile ? { profile } : {}) });
  try {
    await fn(new BoardStrategy(board, { timeouts, log }));
  } finally {
    await board.close();
    await virtual.stop();
    removeState(virtual);
  }
}

test('a flash goes off → download → flashed', async () => {
  await withStrategy('classic', { boot: 15_000, flash: 120_000, mqttConnect: 20_000 }, async (strategy) => {
    expect(strategy.state).toBe('off');
    const result = await strategy.flash(firmwareFromImage(fixture('proplet.bin')));
    expect(result.booted?.version).toBe('1.0.0');
    expect(strategy.state).toBe('flashed');
  });
});

test('a board that never enters download mode fails naming that state, its bound and the transcript', async () => {
  // reset: none and a board running its app: nothing answers the sync within timeouts.boot.
  await withStrategy('none', { boot: 1_500, flash: 120_000, mqttConnect: 20_000 }, async (strategy) => {
    const err = await strategy.flash(firmwareFromImage(fixture('proplet.bin'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HilError);
    const { message, hint } = err as HilError;
    expect(message).toMatch(/^s0: could not reach "download" from "off" \(bound: 1500 ms from timeouts\.boot\): board s0 did not answer the bootloader sync/);
    expect(message).toContain('last console lines:');
    expect(message).not.toContain('\n');
    expect(hint).toContain(`transcript: ${strategy.board.console.transcriptPath}`);
    expect(strategy.state).toBe('off');
  });
});

test('a flash that outlasts timeouts.flash fails at that bound', async () => {
  await withStrategy('classic', { boot: 15_000, flash: 50, mqttConnect: 20_000 }, async (strategy) => {
    const err = await strategy.flash(firmwareFromImage(fixture('proplet.bin')), { force: true }).catch((e: unknown) => e);
    expect((err as HilError).message).toMatch(/could not reach "(download|flashed)" from "(off|download)" \(bound: 50 ms from timeouts\.flash\): no progress within 50 ms/);
    expect(strategy.state).not.toBe('flashed');
  });
});

test("a firmware without a shell is provisioned by the settings image flashed with it: the boot after the flash reads it", async () => {
  const upstream = profileByName('upstream-0.5');
  await withStrategy(
    'classic',
    { boot: 15_000, flash: 120_000, mqttConnect: 20_000 },
    async (strategy) => {
      const settings = { brokerHost: '127.0.0.1', brokerPort: 1, propletId: 'img-p1', apiKey: 'img-key', tenant: 'd1', channel: 'c1', wifiSsid: 'bench-ssid', tls: true };
      const { flashed, booted } = await strategy.flashProvisioned(firmwareFromImage(fixture('upstream.bin')), settingsRegion(upstream, settings));
      expect(strategy.state).toBe('provisioned');
      expect(flashed.regions.map((r) => [r.name, r.outcome])).toEqual([
        ['upstream', 'written'],
        ['settings', 'written'],
      ]);
      // Read by upstream's line patterns: its versionless boot line, then its settings in use.
      expect(booted).toMatchObject({ kind: 'boot' });
      const { console } = strategy.board;
      await console.expect((e) => e.kind === 'line' && e.text.endsWith('<inf> wifi_manager: Connecting to Wi-Fi: bench-ssid'), { since: console.events.indexOf(booted), timeout: 5_000 });
      expect(console.events.some((e) => e.kind === 'shell.prompt'), 'no shell prompt ever').toBe(false);
    },
    upstream,
  );
});
