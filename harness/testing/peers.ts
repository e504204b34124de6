import { execFileSync } from 'node:child_process';
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
