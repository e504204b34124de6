import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HilError } from '../errors.ts';

/** What the firmware must publish for a task: its results text, or its error text (CONTRACT.md §4.2). */
export const ExpectedOutcomeSchema = z.union([z.object({ results: z.string() }), z.object({ error: z.string() })]);

/** One WASM workload and what the firmware must make of it. */
export const WorkloadSchema = z.object({
  name: z.string(),
  /** File name in fixtures/build/. */
  wasm: z.string(),
  inputs: z.array(z.number().int()),
  /** The start message's env (e.g. PROPLET_STACK_SIZE / PROPLET_HEAP_SIZE). */
  env: z.record(z.string(), z.string()).optional(),
  expect: ExpectedOutcomeSchema,
  /** The texts the task logs with proplet_log (`task.log`), in order. */
  logs: z.array(z.string()).optional(),
  /** Why this is the expected outcome on the board, especially where it depends on the pool. */
  why: z.string(),
});

export const WorkloadTableSchema = z.array(WorkloadSchema);

/** A start message that is wrong in one way, and what the firmware must do with it (CONTRACT.md §4.3). */
export const PayloadCaseSchema = z.object({
  name: z.string(),
  /** File name in fixtures/build/payloads/: the exact MQTT payload bytes. */
  file: z.string(),
  bytes: z.number().int().positive(),
  /** The task id the firmware can read from it, or null. */
  id: z.string().nullable(),
  /** The `task.rejected` reason, or null when the task is accepted (and fails later). */
  rejected: z.string().nullable(),
  /** The error of the result published for it, or null when no result is published. */
  error: z.string().nullable(),
  why: z.string(),
});

export const PayloadTableSchema = z.array(PayloadCaseSchema);

export type ExpectedOutcome = z.infer<typeof ExpectedOutcomeSchema>;
export type Workload = z.infer<typeof WorkloadSchema>;
export type PayloadCase = z.infer<typeof PayloadCaseSchema>;
export type LoadedWorkload = Workload & { bytes: Uint8Array<ArrayBuffer> };
export type LoadedPayloadCase = PayloadCase & { payload: Buffer };

export const DEFAULT_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/build/', import.meta.url));

function readTable<T>(file: string, schema: z.ZodType<T>): T {
  if (!existsSync(file)) throw new HilError(`fixture table ${file} is missing`, 'run npm run fixtures', 2);
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HilError(`fixture table ${file} is invalid at ${issue?.path.join('.')}: ${issue?.message}`, 'run npm run fixtures', 2);
  }
  return parsed.data;
}

/** The workloads by name, each with its module's bytes. */
export function loadWorkloads(dir = DEFAULT_FIXTURES_DIR): Record<string, LoadedWorkload> {
  const rows = readTable(join(dir, 'workloads.json'), WorkloadTableSchema);
  return Object.fromEntries(rows.map((w) => [w.name, { ...w, bytes: new Uint8Array(readFileSync(join(dir, w.wasm))) }]));
}

/** The malformed start messages by name, each with its exact payload bytes. */
export function loadPayloadCases(dir = DEFAULT_FIXTURES_DIR): Record<string, LoadedPayloadCase> {
  const rows = readTable(join(dir, 'payloads.json'), PayloadTableSchema);
  return Object.fromEntries(rows.map((p) => [p.name, { ...p, payload: readFileSync(join(dir, 'payloads', p.file)) }]));
}
