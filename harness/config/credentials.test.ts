import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { loadConfig } from './load.ts';

const BENCH = ['version: 1', 'boards:', '  - { name: v0, chip: esp32s3, port: virtual }', 'firmware: { image: x.bin }', 'propeller: { tenant: t0, channel: c0 }'].join('\n');

function checkout(root: string, name: string): string {
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, 'lab.config.yaml'), BENCH);
  return join(root, name, 'lab.config.yaml');
}

test('a virtual board gets random credentials per board state: kept across runs of a checkout, never shared between two', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hil-creds-'));
  const a = checkout(root, 'a');
  const b = checkout(root, 'b');
  const first = (await loadConfig(a)).propeller.proplets.v0!;
  expect((await loadConfig(a)).propeller.proplets.v0, 'the same board state keeps its credentials').toEqual(first);
  const other = (await loadConfig(b)).propeller.proplets.v0!;
  expect(other.id).not.toBe(first.id);
  expect(other.apiKey).not.toBe(first.apiKey);
  expect(first.apiKey.length).toBeGreaterThanOrEqual(32);
  expect(statSync(join(root, 'a', '.hil', 'virtual', 'v0.credentials.json')).mode & 0o077, 'readable by its owner only').toBe(0);
});
