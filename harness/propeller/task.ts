import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StartPayload, StopPayload } from './payloads.ts';

export interface TaskSpec {
  wasm: Uint8Array;
  inputs?: number[];
  /** Defaults to "task". */
  name?: string;
  env?: Record<string, string>;
  /** Defaults to a fresh UUID, so results can never be confused between tasks. */
  id?: string;
  /** The proplet the task is for; by default the manager's board (see `forWire`). */
  propletId?: string;
}

/**
 * How the harness's manager writes tasks for one board. `strings` (the default) is what the real
 * Propeller manager sends: inputs as JSON strings (`task.FlexStrings` always marshals strings).
 * `numbers` sends the inputs as JSON numbers, for firmware that reads only numbers (upstream's
 * embedded proplet, v0.5.0, takes a string input as 0).
 */
export const TaskWireSchema = z.object({
  inputs: z.enum(['strings', 'numbers']).default('strings'),
  /** The board's proplet id: set as `proplet_id`, as the manager names the proplet it scheduled. */
  propletId: z.string().optional(),
});
export type TaskWire = z.infer<typeof TaskWireSchema>;

export const MANAGER_WIRE: TaskWire = { inputs: 'strings' };

/**
 * A start message for a module, field for field as the real manager marshals it (v0.5.0,
 * manager/service.go `startPayload`: `inputs` omitted when empty, `cli_args` null, the flags
 * false, `state` 0 = Pending). Not checked against the contract's limits on purpose: the suite
 * also sends tasks the firmware must refuse (17 inputs, long names).
 */
export function buildTask(spec: TaskSpec): StartPayload {
  const inputs = spec.inputs ?? [];
  return {
    id: spec.id ?? randomUUID(),
    name: spec.name ?? 'task',
    state: 0,
    file: Buffer.from(spec.wasm).toString('base64'),
    ...(inputs.length > 0 ? { inputs: inputs.map(String) } : {}),
    cli_args: null,
    broadcast: false,
    daemon: false,
    ...(spec.env ? { env: spec.env } : {}),
    encrypted: false,
    ...(spec.propletId !== undefined ? { proplet_id: spec.propletId } : {}),
  };
}

/** The task as this board's wire sends it: addressed to the board, inputs in the board's form. */
export function forWire(task: StartPayload, wire: TaskWire): StartPayload {
  const addressed = task.proplet_id === undefined && !task.broadcast && wire.propletId !== undefined ? { ...task, proplet_id: wire.propletId } : task;
  if (wire.inputs === 'strings' || addressed.inputs === undefined) return addressed;
  return { ...addressed, inputs: addressed.inputs.map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)) };
}

/**
 * A stop message: the real manager's `{"broadcast","id","proplet_id"}` (a Go map, so its keys
 * come sorted). The `numbers` wire adds upstream firmware's `name` and `state`, which it needs.
 */
export function buildStop(id: string, wire: TaskWire, name?: string): StopPayload {
  const stop: StopPayload = { broadcast: false, id, ...(wire.propletId !== undefined ? { proplet_id: wire.propletId } : {}) };
  return wire.inputs === 'numbers' ? { ...stop, name: name ?? 'task', state: 'stop' } : stop;
}
