import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HilError } from '../errors.ts';
import { PropletCredentialsSchema, type LabConfig, type PropletCredentials } from './schema.ts';

/**
 * Credentials for a virtual board that the config does not list: random, made once per board
 * state and kept beside it (<bench folder>/.hil/virtual/<board>.credentials.json, readable by
 * its owner only), so that they stay the same across runs of one checkout — the board keeps its
 * provisioned settings in its flash file — while no two checkouts, and nobody who only knows
 * the board's name, share them.
 */
export function generatedCredentials(configPath: string, boardName: string): PropletCredentials {
  const file = join(dirname(resolve(configPath)), '.hil', 'virtual', `${boardName}.credentials.json`);
  if (existsSync(file)) {
    const kept = PropletCredentialsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (kept.success) return kept.data;
  }
  const made = { id: randomUUID(), apiKey: randomBytes(24).toString('base64url') };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(made), { mode: 0o600 });
  return made;
}

/** The proplet id and API key of a board; a real board must have them in the config. */
export function credentialsFor(config: LabConfig, boardName: string): PropletCredentials {
  const credentials = config.propeller.proplets[boardName];
  if (credentials) return credentials;
  throw new HilError(
    `propeller.proplets.${boardName}: no proplet id and API key for board "${boardName}"`,
    `add "${boardName}: { id: <proplet id>, apiKey: \${ENV_VAR} }" under propeller.proplets in the config`,
    2,
  );
}
