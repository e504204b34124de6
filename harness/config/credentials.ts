import { createHash } from 'node:crypto';
import { HilError } from '../errors.ts';
import type { LabConfig, PropletCredentials } from './schema.ts';

/**
 * Credentials for a virtual board that the config does not list. Derived from the board name,
 * so they stay the same across runs: a virtual board keeps its provisioned settings in its
 * flash file, and the broker must keep accepting them.
 */
export function generatedCredentials(boardName: string): PropletCredentials {
  const digest = (label: string) => createHash('sha256').update(`proplet-hil/${label}/${boardName}`).digest();
  const b = digest('proplet-id');
  // Shaped as an RFC 4122 name-based UUID (version 5 bits, variant 10), as Propeller's ids are UUIDs.
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.subarray(0, 16).toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, apiKey: digest('api-key').subarray(0, 24).toString('base64url') };
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
