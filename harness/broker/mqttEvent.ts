import { z } from 'zod';

/**
 * A message body as recorded: UTF-8 text when the bytes are valid UTF-8 (every Propeller
 * payload is JSON), base64 otherwise, so a JSONL trace round-trips any payload exactly.
 */
export const RecordedPayloadSchema = z.object({
  payload: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  bytes: z.number().int().nonnegative(),
});

const base = {
  /** Increases by one per event over the broker's whole life, restarts included. */
  seq: z.number().int().nonnegative(),
  /** ISO 8601 wall-clock time the broker saw it. */
  time: z.string(),
};

const WillSchema = z.object({
  topic: z.string(),
  qos: z.number().int().min(0).max(2),
  retain: z.boolean(),
  ...RecordedPayloadSchema.shape,
});

/**
 * Why a client's session ended, as far as the broker can tell:
 * clean — it sent DISCONNECT; keepalive-timeout — silent for 1.5 × its keep-alive;
 * socket-error — the socket failed (reset, protocol error); socket-closed — the peer closed
 * TCP without DISCONNECT; dropped — `drop()` cut it; taken-over — a new connection with the
 * same client id replaced it; broker-closed — the broker stopped or restarted.
 */
export const DisconnectCauseSchema = z.enum([
  'clean',
  'keepalive-timeout',
  'socket-error',
  'socket-closed',
  'dropped',
  'taken-over',
  'broker-closed',
]);

export const MqttEventSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('listening'),
    url: z.string(),
    tlsUrl: z.string().optional(),
  }),
  z.object({ ...base, kind: z.literal('stopped') }),
  z.object({
    ...base,
    kind: z.literal('connect'),
    clientId: z.string(),
    username: z.string().optional(),
    clean: z.boolean(),
    keepalive: z.number().int().nonnegative(),
    will: WillSchema.optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('connect-refused'),
    clientId: z.string(),
    username: z.string().optional(),
    /** CONNACK return code sent (5 = not authorized, 3 = server unavailable); absent when the socket was cut. */
    returnCode: z.number().int().optional(),
    reason: z.string(),
  }),
  z.object({
    ...base,
    kind: z.literal('disconnect'),
    clientId: z.string(),
    cause: DisconnectCauseSchema,
    error: z.string().optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('subscribe'),
    clientId: z.string(),
    subscriptions: z.array(z.object({ topic: z.string(), qos: z.number().int() })),
  }),
  z.object({ ...base, kind: z.literal('unsubscribe'), clientId: z.string(), topics: z.array(z.string()) }),
  z.object({
    ...base,
    kind: z.literal('publish'),
    /** client — a client published it; will — the broker published a client's will for it. */
    origin: z.enum(['client', 'will']),
    clientId: z.string(),
    topic: z.string(),
    qos: z.number().int().min(0).max(2),
    retain: z.boolean(),
    ...RecordedPayloadSchema.shape,
  }),
  z.object({
    ...base,
    kind: z.literal('deliver'),
    /** The subscriber the broker forwards the message to. */
    clientId: z.string(),
    topic: z.string(),
    qos: z.number().int().min(0).max(2),
    retain: z.boolean(),
    ...RecordedPayloadSchema.shape,
  }),
]);

export type MqttEvent = z.infer<typeof MqttEventSchema>;
export type DisconnectCause = z.infer<typeof DisconnectCauseSchema>;
export type RecordedPayload = z.infer<typeof RecordedPayloadSchema>;

/** An event before the recorder stamps it. */
export type NewMqttEvent = MqttEvent extends infer E ? (E extends MqttEvent ? Omit<E, 'seq' | 'time'> : never) : never;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function recordPayload(payload: Buffer | Uint8Array | string): RecordedPayload {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  try {
    return { payload: utf8.decode(bytes), encoding: 'utf8', bytes: bytes.length };
  } catch {
    return { payload: Buffer.from(bytes).toString('base64'), encoding: 'base64', bytes: bytes.length };
  }
}
