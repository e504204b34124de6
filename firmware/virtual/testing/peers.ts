import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';

// The virtual board shares no code with harness/, so its tests locate the real peers that
// `.ci/install-peers` puts under .peers/ (or $HIL_PEERS_DIR) on their own.
const INSTALLED = {
  esptool: 'venv/bin/esptool',
  esp_rfc2217_server: 'venv/bin/esp_rfc2217_server',
  python: 'venv/bin/python',
} as const;

/** The peer's path; skips the test without it on a developer machine, fails in CI. */
export function requireInstalledPeer(command: keyof typeof INSTALLED): string {
  const dir = process.env.HIL_PEERS_DIR ?? resolve(fileURLToPath(new URL('../../..', import.meta.url)), '.peers');
  const path = join(dir, INSTALLED[command]);
  if (existsSync(path)) return path;
  const reason = `needs ${command} (${path}): bash .ci/install-peers`;
  if (process.env.CI === 'true') throw new Error(`CI is missing a peer this test needs — ${reason}`);
  test.skip(true, reason);
  throw new Error('unreachable: test.skip throws');
}
