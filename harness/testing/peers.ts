import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';

/** Debian peers that some tests talk to, with the package that brings each command. */
const PACKAGES: Record<string, string> = {
  socat: 'socat',
  ser2net: 'ser2net',
  mosquitto: 'mosquitto',
  mosquitto_pub: 'mosquitto-clients',
  mosquitto_sub: 'mosquitto-clients',
  wat2wasm: 'wabt',
  cmake: 'cmake',
  ctest: 'cmake',
  gcc: 'gcc',
  chromium: 'chromium',
};

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Call at the top of a test (or in beforeAll) that needs Debian peer commands. On a developer
 * machine a missing peer skips the test with the reason and the install line; in CI
 * (CI=true), where .ci/run installs the peers, a missing one is a failure.
 */
export function requirePeers(...commands: string[]): void {
  const missing = commands.filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((c) => PACKAGES[c] ?? c))].join(' ');
  const reason = `needs ${missing.join(', ')}: apt-get install -y ${packages}`;
  if (process.env.CI === 'true') throw new Error(`CI is missing a peer this test needs — ${reason}`);
  test.skip(true, reason);
}

/**
 * Real peers from PyPI and the Go module proxy that `.ci/install-peers` puts under `.peers/`
 * (or $HIL_PEERS_DIR), by command name → path below that folder.
 */
const INSTALLED: Record<string, string> = {
  esptool: 'venv/bin/esptool',
  esp_rfc2217_server: 'venv/bin/esp_rfc2217_server',
  'labgrid-client': 'venv/bin/labgrid-client',
  'labgrid-coordinator': 'venv/bin/labgrid-coordinator',
  'labgrid-exporter': 'venv/bin/labgrid-exporter',
  'propeller-manager': 'bin/propeller-manager',
};

export function peersDir(): string {
  return process.env.HIL_PEERS_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), '.peers');
}

/** The path of an installed peer, or undefined when `.ci/install-peers` has not installed it. */
export function peerPath(command: keyof typeof INSTALLED): string | undefined {
  const path = join(peersDir(), INSTALLED[command]!);
  return existsSync(path) ? path : undefined;
}

/**
 * Like requirePeers, for the peers `.ci/install-peers` installs: returns the command's path; skips
 * the test without it on a developer machine (with the install line), fails in CI.
 */
export function requireInstalledPeer(command: keyof typeof INSTALLED): string {
  const path = peerPath(command);
  if (path) return path;
  const reason = `needs ${command} (${join(peersDir(), INSTALLED[command]!)}): bash .ci/install-peers`;
  if (process.env.CI === 'true') throw new Error(`CI is missing a peer this test needs — ${reason}`);
  test.skip(true, reason);
  throw new Error('unreachable: test.skip throws');
}
