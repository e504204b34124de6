import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { ErrorWithReasonCode, MqttClient, Store } from 'mqtt';
import type { ZephyrConsole } from './console.ts';
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from './limits.ts';
import type { ProvisionedSettings } from './settings.ts';

/** Topics the firmware subscribes to, in this order, after every connect (CONTRACT.md §3). */
export const SUBSCRIPTIONS = ['control/manager/start', 'control/manager/stop', 'registry/server'] as const;

export interface LinkOptions {
  settings: ProvisionedSettings;
  console: ZephyrConsole;
  /** Called after every CONNACK, once the subscriptions are in place. */
  onConnected(): void;
  onDisconnected(): void;
  onMessage(suffix: string, topic: string, payload: Buffer): void;
  /** TCP through the chip's WiFi (Chip.connect). */
  connect(host: string, port: number): Duplex;
}

/** The reason a connection ended, in the words of CONTRACT.md §2.1 `mqtt.disconnected`. */
function disconnectReason(err: Error | undefined): string {
  if (!err) return 'closed by broker';
  if (err instanceof ErrorWithReasonCode) return `connect refused rc=${err.code}`;
  if (err.message === 'Keepalive timeout') return 'keepalive timeout';
  const code = (err as NodeJS.ErrnoException).code;
  const errno = code ? (constants.errno as Record<string, number>)[code] : undefined;
  return `socket error ${errno ?? code ?? err.message}`;
}

/**
 * The firmware's MQTT client (CONTRACT.md §3, §5): one session to the broker from the
 * settings, kept across losses by our own capped exponential backoff. A reset drops the
 * socket without DISCONNECT, so the broker publishes the will.
 */
export class MqttLink {
  private client?: MqttClient;
  private readonly stores = { incomingStore: new Store(), outgoingStore: new Store() };
  private attempt = 0;
  private lastError?: Error;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: LinkOptions) {}

  topic(suffix: string): string {
    const { tenant_id, channel_id } = this.options.settings;
    return `m/${tenant_id}/c/${channel_id}/${suffix}`;
  }

  start(): void {
    const s = this.options.settings;
    this.logConnecting();
    // Every (re)connect dials through the chip's radio, as the firmware's socket goes over WiFi.
    const client = new MqttClient(() => this.options.connect(s.mqtt_broker_host, s.mqtt_broker_port), {
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: s.proplet_id,
      username: s.proplet_id,
      password: s.api_key,
      keepalive: s.keepalive_s,
      clean: false,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: 10_000,
      ...this.stores,
      will: {
        topic: this.topic('control/proplet/alive'),
        payload: Buffer.from(JSON.stringify({ status: 'offline', proplet_id: s.proplet_id, namespace: 'embedded' })),
        qos: 1,
        retain: false,
      },
    });
    this.client = client;
    client.on('connect', (connack) => {
      this.attempt = 0;
      this.lastError = undefined;
      this.log('inf', `MQTT connected session_present=${connack.sessionPresent ? 1 : 0}`);
      void this.subscribe(client);
    });
    client.on('error', (err) => {
      this.lastError = err;
    });
    client.on('close', () => this.lost());
    client.on('message', (topic, payload) => {
      const prefix = this.topic('');
      this.options.onMessage(topic.startsWith(prefix) ? topic.slice(prefix.length) : topic, topic, payload);
    });
  }

  /** QoS 1, not retained; held by the session while the broker is away (CONTRACT.md §5). */
  publish(suffix: string, payload: object): void {
    this.client?.publish(this.topic(suffix), JSON.stringify(payload), { qos: 1, retain: false });
  }

  /** A reset or power cut: the socket goes away without a DISCONNECT. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.client?.end(true);
  }

  private async subscribe(client: MqttClient): Promise<void> {
    for (const suffix of SUBSCRIPTIONS) {
      const topic = this.topic(suffix);
      try {
        await client.subscribeAsync(topic, { qos: 1 });
      } catch {
        return; // the connection went away mid-way; the next connect subscribes again
      }
      if (this.stopped) return;
      this.log('inf', `Subscribed topic=${topic}`);
    }
    this.options.onConnected();
  }

  private lost(): void {
    if (this.stopped) return;
    this.log('wrn', `MQTT disconnected reason=${disconnectReason(this.lastError)}`);
    this.lastError = undefined;
    this.options.onDisconnected();
    if (this.retry) return;
    this.attempt++;
    const base = Math.min(RECONNECT_BASE_MS * 2 ** (this.attempt - 1), RECONNECT_CAP_MS);
    const delay = Math.round(base * (1 + Math.random() * 0.1));
    this.log('inf', `Reconnect attempt=${this.attempt} delay=${delay}ms`);
    this.schedule(delay);
  }

  private schedule(delay: number): void {
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      this.logConnecting();
      this.client?.reconnect(this.stores);
    }, delay);
  }

  private logConnecting(): void {
    const s = this.options.settings;
    this.log('inf', `Connecting broker=${s.mqtt_broker_host}:${s.mqtt_broker_port} client_id=${s.proplet_id} keepalive=${s.keepalive_s}`);
  }

  private log(level: 'inf' | 'wrn', message: string): void {
    this.options.console.log(level, 'mqtt', message);
  }
}
