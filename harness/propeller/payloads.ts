import { z } from 'zod';

/**
 * Every Propeller payload as CONTRACT.md §3 states it. Objects are not strict: a field the
 * contract does not name is tolerated, a named field with the wrong type or value is not.
 */

export const MAX_INPUTS = 16;
export const MAX_PAYLOAD_BYTES = 16384;
export const MAX_NAME_BYTES = 64;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');
const shortString = z.string().refine((s) => utf8Length(s) <= MAX_NAME_BYTES, `at most ${MAX_NAME_BYTES} bytes`);

/**
 * The start message: the contract's fields, and the rest of what the real manager sends
 * (v0.5.0 `startPayload`), which the firmware ignores. Inputs are strings from the manager
 * (`task.FlexStrings`) or numbers from a harness set to the numeric form.
 */
export const StartPayloadSchema = z
  .object({
    id: shortString.refine((s) => s.length > 0, 'not empty'),
    name: shortString,
    state: z.number().int().optional(),
    file: z.string().optional(),
    image_url: z.string().optional(),
    inputs: z.array(z.union([z.string(), z.number().int()])).max(MAX_INPUTS).optional(),
    cli_args: z.array(z.string()).nullable().optional(),
    broadcast: z.boolean().optional(),
    daemon: z.boolean().optional(),
    env: z.record(z.string(), z.string()).optional(),
    encrypted: z.boolean().optional(),
    proplet_id: z.string().optional(),
  })
  .refine((p) => p.file !== undefined || p.image_url !== undefined, 'one of file or image_url');

/** The manager's `{id, broadcast, proplet_id}`; upstream firmware also wants `name` and `state`. */
export const StopPayloadSchema = z.object({
  id: z.string(),
  broadcast: z.boolean().optional(),
  proplet_id: z.string().optional(),
  name: z.string().optional(),
  state: z.string().optional(),
});

export const ResultPayloadSchema = z.union([
  z.object({ task_id: z.string(), results: z.literal(''), error: z.string() }),
  z.object({ task_id: z.string(), results: z.string(), error: z.undefined().optional() }),
]);

const namespace = z.literal('embedded');

export const AlivePayloadSchema = z.object({ status: z.literal('alive'), proplet_id: z.string(), namespace });
/** The proplet's MQTT will, on the alive topic. */
export const LwtPayloadSchema = z.object({ status: z.literal('offline'), proplet_id: z.string(), namespace });
export const AliveTopicPayloadSchema = z.discriminatedUnion('status', [AlivePayloadSchema, LwtPayloadSchema]);

export const DiscoveryPayloadSchema = z.object({
  proplet_id: z.string(),
  namespace,
  metadata: z.object({
    description: z.string(),
    tags: z.array(z.string()),
    location: z.string(),
    ip: z.string(),
    environment: z.literal('embedded'),
    os: z.literal('zephyr'),
    hostname: z.string(),
    cpu_arch: z.string(),
    total_memory_bytes: z.number().int().nonnegative(),
    proplet_version: z.string(),
    wasm_runtime: z.literal('wamr'),
  }),
});

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();
// What the manager parses (time.Parse(time.RFC3339Nano)); anything else it drops for its clock.
const rfc3339 = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, 'expected an RFC 3339 time');

/**
 * Proplet metrics in the shape the real manager stores (`handlePropletMetrics`): `cpu_metrics` and
 * `memory_metrics` objects of numbers; our firmware adds `tasks` (CONTRACT.md §3). A payload
 * without them is stored empty by the manager, so it is a finding here.
 */
export const MetricsPayloadSchema = z.object({
  proplet_id: z.string().min(1),
  namespace: z.string(),
  timestamp: rfc3339.optional(),
  cpu_metrics: z.object({ user_seconds: amount, system_seconds: amount, percent: amount }).partial(),
  memory_metrics: z
    .object({
      rss_bytes: count,
      heap_alloc_bytes: count,
      heap_sys_bytes: count,
      heap_inuse_bytes: count,
      heap_free_bytes: count,
      heap_high_bytes: count,
      container_usage_bytes: count,
      container_limit_bytes: count,
    })
    .partial(),
  tasks: z.object({ running: count, finished: count, failed: count }).optional(),
});

/** Per-task metrics as the manager reads them (`handleTaskMetrics`). */
export const TaskMetricsPayloadSchema = z.object({
  task_id: z.string().min(1),
  proplet_id: z.string(),
  timestamp: rfc3339.optional(),
  metrics: z
    .object({
      cpu_percent: amount,
      memory_bytes: count,
      memory_percent: amount,
      disk_read_bytes: count,
      disk_write_bytes: count,
      uptime_seconds: count,
      thread_count: count,
      file_descriptor_count: count,
    })
    .partial()
    .optional(),
  aggregated: z.record(z.string(), z.number()).optional(),
});

/** The proplet asks for the module of a start message that named an image_url. */
export const RegistryRequestSchema = z.object({ app_name: z.string() });
/** The answer: the module, base64. */
export const RegistryResponseSchema = z.object({ app_name: z.string(), data: z.string() });

export type StartPayload = z.infer<typeof StartPayloadSchema>;
export type StopPayload = z.infer<typeof StopPayloadSchema>;
export type ResultPayload = z.infer<typeof ResultPayloadSchema>;
export type AlivePayload = z.infer<typeof AlivePayloadSchema>;
export type LwtPayload = z.infer<typeof LwtPayloadSchema>;
export type DiscoveryPayload = z.infer<typeof DiscoveryPayloadSchema>;
export type MetricsPayload = z.infer<typeof MetricsPayloadSchema>;
export type TaskMetricsPayload = z.infer<typeof TaskMetricsPayloadSchema>;
export type RegistryRequest = z.infer<typeof RegistryRequestSchema>;
export type RegistryResponse = z.infer<typeof RegistryResponseSchema>;
