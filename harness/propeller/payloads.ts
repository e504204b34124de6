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

export const StartPayloadSchema = z
  .object({
    id: shortString.refine((s) => s.length > 0, 'not empty'),
    name: shortString,
    file: z.string().optional(),
    image_url: z.string().optional(),
    inputs: z.array(z.number().int()).max(MAX_INPUTS).optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .refine((p) => p.file !== undefined || p.image_url !== undefined, 'one of file or image_url');

export const StopPayloadSchema = z.object({ id: z.string(), name: z.string().optional(), state: z.string().optional() });

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
export const MetricsPayloadSchema = z.object({
  proplet_id: z.string(),
  namespace,
  heap: z.object({ used: count, free: count, high: count, total: count }),
  tasks: z.object({ running: count, finished: count, failed: count }),
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
export type RegistryRequest = z.infer<typeof RegistryRequestSchema>;
export type RegistryResponse = z.infer<typeof RegistryResponseSchema>;
