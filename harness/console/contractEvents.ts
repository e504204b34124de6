import { z } from 'zod';

/**
 * The firmware's log events (firmware/CONTRACT.md §2.1), one entry per `event` row: the level,
 * module and fixed start of the message, and the key=value fields it carries. Field names stay
 * as on the wire so a line of CONTRACT.md and the code can be grepped for each other.
 */

// "500ms" and "10000ms" carry their unit in the value (mqtt.reconnect, task.watchdog).
const num = z.preprocess((v) => (typeof v === 'string' && /^-?\d+(ms)?$/.test(v) ? Number.parseInt(v, 10) : Number.NaN), z.number());
const str = z.string().min(1);
// Values that run to the end of the line and may be empty (an empty result list).
const rest = z.string();
const bit = z.enum(['0', '1']).transform((v) => v === '1');
const list = z.string().transform((v) => v.split(',').filter(Boolean));

const event = <F extends z.ZodRawShape>(level: 'err' | 'wrn' | 'inf', module: string, prefix: string, fields: F) => ({
  level,
  module,
  prefix,
  fields: z.object(fields),
});

export const CONTRACT_EVENTS = {
  boot: event('inf', 'main', 'Starting Proplet', { version: str }),
  'wasm.ready': event('inf', 'wasm', 'WAMR runtime ready', { pool: num, slots: num }),
  heap: event('inf', 'wasm', 'Heap pool', { used: num, free: num, high: num }),
  'settings.loaded': event('inf', 'main', 'Settings loaded', { proplet_id: str, broker: str }),
  'settings.missing': event('err', 'main', 'Settings missing', { keys: list }),
  'wifi.connecting': event('inf', 'wifi', 'Connecting', { ssid: str }),
  'wifi.connected': event('inf', 'wifi', 'WiFi connected', { ssid: str }),
  'dhcp.bound': event('inf', 'wifi', 'DHCP bound', { address: str }),
  'mqtt.connecting': event('inf', 'mqtt', 'Connecting', { broker: str, client_id: str, keepalive: num }),
  'mqtt.connected': event('inf', 'mqtt', 'MQTT connected', { session_present: bit }),
  'mqtt.subscribed': event('inf', 'mqtt', 'Subscribed', { topic: str }),
  'mqtt.disconnected': event('wrn', 'mqtt', 'MQTT disconnected', { reason: rest }),
  'mqtt.reconnect': event('inf', 'mqtt', 'Reconnect', { attempt: num, delay: num }),
  'mqtt.unknown_topic': event('wrn', 'mqtt', 'Ignoring message', { topic: str }),
  'task.ignored': event('inf', 'mqtt', 'Task for another proplet', { id: str, proplet_id: str }),
  'task.received': event('inf', 'wasm', 'Task received', { id: str, name: str, wasm_bytes: num, inputs: num }),
  'task.rejected': event('err', 'wasm', 'Task rejected', { id: str, reason: rest }),
  'task.started': event('inf', 'wasm', 'Task started', { id: str, slot: num }),
  'task.log': event('inf', 'task', '', { id: str, text: rest }),
  'task.finished': event('inf', 'wasm', 'Task finished', { id: str, results: rest }),
  'task.failed': event('err', 'wasm', 'Task failed', { id: str, error: rest }),
  'task.stopped': event('inf', 'wasm', 'Task stopped', { id: str }),
  'task.watchdog': event('err', 'wasm', 'Task watchdog', { id: str, after: num }),
};

export type ContractEventKind = keyof typeof CONTRACT_EVENTS;
export type ContractFields = { [K in ContractEventKind]: { kind: K } & z.infer<(typeof CONTRACT_EVENTS)[K]['fields']> }[ContractEventKind];

/** Keys whose value takes the rest of the line, spaces included (CONTRACT.md §2). */
const REST_KEYS = new Set(['reason', 'error', 'results', 'text']);

/** key=value pairs of a message; words that are not key=value (a trailing remark) are skipped. */
function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const words = text.split(' ');
  for (let i = 0; i < words.length; i++) {
    const m = /^([a-z_]+)=(.*)$/.exec(words[i]!);
    if (!m) continue;
    if (REST_KEYS.has(m[1]!)) {
      out[m[1]!] = [m[2]!, ...words.slice(i + 1)].join(' ');
      break;
    }
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The contract event a Zephyr log line stands for, or undefined. */
export function contractEvent(level: string, module: string, message: string): ContractFields | undefined {
  for (const [kind, spec] of Object.entries(CONTRACT_EVENTS)) {
    if (spec.level !== level || spec.module !== module) continue;
    if (spec.prefix && !(message === spec.prefix || message.startsWith(`${spec.prefix} `))) continue;
    const parsed = spec.fields.safeParse(keyValues(message.slice(spec.prefix.length)));
    if (parsed.success) return { kind, ...parsed.data } as ContractFields;
  }
  return undefined;
}
