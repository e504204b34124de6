import type { MqttEvent, RecordedPayload } from './mqttEvent.ts';

const MAX_SUMMARY = 160;

/** JSON strings this long are almost always base64 modules: show their size, not their bytes. */
const LONG_STRING = 48;

/**
 * A payload in one short line: JSON with long strings replaced by `<base64 N B>` (a task's
 * `file`), other text cut to fit, binary as its size.
 */
export function summarizePayload(p: RecordedPayload): string {
  if (p.encoding === 'base64') return `<${p.bytes} B binary>`;
  let text = p.payload;
  try {
    const value: unknown = JSON.parse(p.payload);
    text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'string' && v.length > LONG_STRING ? `<${looksBase64(v) ? 'base64 ' : ''}${v.length} chars>` : v,
    );
  } catch {
    text = text.replace(/\s+/g, ' ');
  }
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

function looksBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(s);
}

function clock(iso: string): string {
  return iso.slice(11, 23);
}

/**
 * One readable line per event for the live traffic view and failure messages:
 * `←` a client sent it to the broker, `→` the broker sent it to a client.
 */
export function formatEvent(e: MqttEvent): string {
  const t = clock(e.time);
  switch (e.kind) {
    case 'listening':
      return `${t}  broker listening on ${e.url}${e.tlsUrl ? ` and ${e.tlsUrl}` : ''}`;
    case 'stopped':
      return `${t}  broker stopped`;
    case 'connect':
      return `${t}  ${e.clientId} connected${e.username !== undefined ? ` user=${e.username}` : ''} keepalive=${e.keepalive}s clean=${e.clean}${
        e.will ? ` will=${e.will.topic}` : ''
      }`;
    case 'connect-refused':
      return `${t}  ${e.clientId || '(no id)'} refused: ${e.reason}${e.returnCode !== undefined ? ` (rc=${e.returnCode})` : ''}`;
    case 'disconnect':
      return `${t}  ${e.clientId} disconnected: ${e.cause}${e.error ? ` (${e.error})` : ''}`;
    case 'subscribe':
      return `${t}  ${e.clientId} subscribed ${e.subscriptions.map((s) => `${s.topic} q${s.qos}`).join(', ')}`;
    case 'unsubscribe':
      return `${t}  ${e.clientId} unsubscribed ${e.topics.join(', ')}`;
    case 'publish':
      return `${t}  ← ${e.clientId}${e.origin === 'will' ? ' (will)' : ''}  ${e.topic} q${e.qos}${e.retain ? ' retained' : ''}  ${summarizePayload(e)}`;
    case 'deliver':
      return `${t}  → ${e.clientId}  ${e.topic} q${e.qos}${e.retain ? ' retained' : ''}  ${summarizePayload(e)}`;
  }
}
