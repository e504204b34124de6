import { randomUUID } from 'node:crypto';
import type { StartPayload } from './payloads.ts';

export interface TaskSpec {
  wasm: Uint8Array;
  inputs?: number[];
  /** Defaults to "task". */
  name?: string;
  env?: Record<string, string>;
  /** Defaults to a fresh UUID, so results can never be confused between tasks. */
  id?: string;
}

/**
 * A start message for a module. Not checked against the contract's limits on purpose: the
 * suite also sends tasks the firmware must refuse (17 inputs, long names).
 */
export function buildTask(spec: TaskSpec): StartPayload {
  return {
    id: spec.id ?? randomUUID(),
    name: spec.name ?? 'task',
    file: Buffer.from(spec.wasm).toString('base64'),
    inputs: spec.inputs ?? [],
    ...(spec.env ? { env: spec.env } : {}),
  };
}
