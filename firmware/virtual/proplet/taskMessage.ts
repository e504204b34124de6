import { z } from 'zod';
import { APP_HEAP_BYTES, MAX_INPUTS, MAX_NAME_BYTES, MAX_PAYLOAD_BYTES, STACK_BYTES } from './limits.ts';

/** A start message the firmware accepted (CONTRACT.md §4.1 step 1). */
export interface StartTask {
  id: string;
  name: string;
  /** The decoded `file`; absent when the module is to be fetched by `imageUrl`. */
  wasm?: Buffer;
  imageUrl?: string;
  inputs: number[];
  stackBytes: number;
  appHeapBytes: number;
}

/** Why a message could not be used; `error` is the result to publish when the id is known. */
export interface Rejection {
  id?: string;
  reason: string;
  error?: string;
}

const StartShape = z.object({
  id: z.string(),
  name: z.unknown().optional(),
  file: z.unknown().optional(),
  image_url: z.unknown().optional(),
  inputs: z.unknown().optional(),
  env: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

const StopShape = z.object({ id: z.string() });

/**
 * An input as the firmware reads it (CONTRACT.md §4.1): a JSON string (the real manager's
 * `task.FlexStrings` always writes strings) or number holding a decimal integer in
 * [-2^31, 2^32 - 1], kept as a two's-complement i32; undefined for anything else.
 */
export function readInput(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isInteger(value)) text = String(value);
  else return undefined;
  if (!/^-?\d{1,10}$/.test(text)) return undefined;
  const n = BigInt(text);
  if (n < -(2n ** 31n) || n > 2n ** 32n - 1n) return undefined;
  return Number(BigInt.asIntN(32, n));
}

/**
 * The proplet a start or stop message names in `proplet_id` when that is another one (CONTRACT.md
 * §4.6); undefined when the message is for this board, for every board, or not JSON.
 */
export function addressedElsewhere(payload: Buffer, self: string): { id: string; propletId: string } | undefined {
  if (payload.length > MAX_PAYLOAD_BYTES) return undefined;
  const value = json(payload);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { id, proplet_id } = value as { id?: unknown; proplet_id?: unknown };
  if (typeof proplet_id !== 'string' || proplet_id === '' || proplet_id === self) return undefined;
  const cut = (s: string) => Buffer.from(s).subarray(0, MAX_NAME_BYTES).toString();
  return { id: typeof id === 'string' ? cut(id) : '-', propletId: cut(proplet_id) };
}

const RegistryReply = z.object({ app_name: z.string(), data: z.string() });
export type RegistryReply = z.infer<typeof RegistryReply>;

// Padding is optional, as in the firmware's decoder (base64.c), but when present it completes the group.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** The firmware's JSON reader refuses a value inside more than 16 containers (json.h JSON_MAX_DEPTH). */
const JSON_MAX_DEPTH = 16;
/** The firmware's bound for an image_url, and so for the app_name of a registry answer. */
const MAX_IMAGE_URL_BYTES = 255;

/**
 * Re-reads JSON that JSON.parse accepted as the firmware's reader does: the FIRST of repeated
 * keys counts (json_member returns the first match; JSON.parse keeps the last), and a value
 * inside more than JSON_MAX_DEPTH containers, repeated key or not, makes it invalid.
 */
function firstWins(text: string): unknown {
  let pos = 0;
  const ws = () => {
    while (/\s/.test(text[pos] ?? '')) pos++;
  };
  const scalar = (): unknown => {
    const m = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(pos))!;
    pos += m[0].length;
    return JSON.parse(m[0]);
  };
  const value = (depth: number): unknown => {
    if (depth > JSON_MAX_DEPTH) throw new Error('too deep');
    ws();
    const open = text[pos];
    if (open !== '{' && open !== '[') return scalar();
    pos++;
    const items: [string, unknown][] = [];
    for (let i = 0; ; i++) {
      ws();
      if (text[pos] === '}' || text[pos] === ']') break;
      if (text[pos] === ',') pos++;
      ws();
      let key = String(i);
      if (open === '{') {
        key = scalar() as string;
        ws();
        pos++; // ':'
      }
      items.push([key, value(depth + 1)]);
    }
    pos++;
    if (open === '[') return items.map(([, v]) => v);
    const object: Record<string, unknown> = {};
    for (const [k, v] of items) if (!Object.hasOwn(object, k)) object[k] = v;
    return object;
  };
  return value(0);
}

function json(payload: Buffer): unknown {
  try {
    const text = payload.toString('utf8');
    JSON.parse(text);
    return firstWins(text);
  } catch {
    return undefined;
  }
}

/** The per-task stack/heap override, in its allowed range; anything else keeps the default. */
function envSize(env: Record<string, unknown> | undefined, key: string, min: number, fallback: number): number {
  const value = env?.[key];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return fallback;
  const bytes = Number(value);
  return bytes >= min && bytes <= 16384 ? bytes : fallback;
}

/** A §4.2 `invalid task:` case: logged and published with the same text. */
export function invalidTask(id: string, what: string): Rejection {
  return { id, reason: `invalid task: ${what}`, error: `invalid task: ${what}` };
}

/** Checks a start payload in the firmware's order (CONTRACT.md §4.1, §4.3). */
export function parseStart(payload: Buffer): StartTask | Rejection {
  if (payload.length > MAX_PAYLOAD_BYTES) return { reason: `payload too large (${payload.length} > ${MAX_PAYLOAD_BYTES} bytes)` };
  const value = json(payload);
  if (value === undefined) return { reason: 'invalid JSON' };
  const shape = StartShape.safeParse(value);
  if (!shape.success) return { reason: 'missing id' };
  const { id, name, file, image_url, inputs, env } = shape.data;
  if (Buffer.byteLength(id) > MAX_NAME_BYTES) return { reason: 'id too long' };
  if (typeof name !== 'string') return invalidTask(id, 'missing name');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return { id, reason: 'name too long', error: 'invalid task: name too long' };
  const hasFile = typeof file === 'string';
  const hasUrl = typeof image_url === 'string' && image_url.length > 0;
  if (!hasFile && !hasUrl) return invalidTask(id, 'missing file or image_url');
  const list = inputs ?? [];
  if (!Array.isArray(list)) return invalidTask(id, 'inputs must be a list');
  const values = list.map(readInput);
  const bad = values.findIndex((v) => v === undefined);
  if (bad >= 0) return invalidTask(id, `input ${bad} is not a 32-bit integer`);
  if (list.length > MAX_INPUTS) return invalidTask(id, `more than ${MAX_INPUTS} inputs`);
  if (hasFile && !BASE64.test(file)) return invalidTask(id, 'bad base64 in file');
  return {
    id,
    name,
    wasm: hasFile ? Buffer.from(file, 'base64') : undefined,
    imageUrl: hasFile ? undefined : (image_url as string),
    inputs: values as number[],
    stackBytes: envSize(env, 'PROPLET_STACK_SIZE', 1024, STACK_BYTES),
    appHeapBytes: envSize(env, 'PROPLET_HEAP_SIZE', 0, APP_HEAP_BYTES),
  };
}

export function parseStop(payload: Buffer): { id: string } | Rejection {
  if (payload.length > MAX_PAYLOAD_BYTES) return { reason: `payload too large (${payload.length} > ${MAX_PAYLOAD_BYTES} bytes)` };
  const value = json(payload);
  if (value === undefined) return { reason: 'invalid JSON' };
  const shape = StopShape.safeParse(value);
  if (!shape.success) return { reason: 'missing id' };
  return Buffer.byteLength(shape.data.id) > MAX_NAME_BYTES ? { reason: 'id too long' } : { id: shape.data.id };
}

/** A `registry/server` answer; undefined when it is not one. */
export function parseRegistryReply(payload: Buffer): RegistryReply | undefined {
  if (payload.length > MAX_PAYLOAD_BYTES) return undefined;
  const reply = RegistryReply.safeParse(json(payload));
  if (!reply.success || Buffer.byteLength(reply.data.app_name) > MAX_IMAGE_URL_BYTES || !BASE64.test(reply.data.data)) return undefined;
  return reply.data;
}

export function isRejection(value: object): value is Rejection {
  return 'reason' in value;
}
