import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface ManagerClientOptions {
  /** mqtt://host:port (or mqtts://) of any MQTT 3.1.1 broker. */
  url: string;
  /** The topic filters the manager listens on. */
  subscriptions: string[];
  /** mqtt.js options: username, password, clientId, TLS. */
  client?: IClientOptions;
  log?: Logger;
  /** How long the first connection may take (default 10 s). */
  connectTimeout?: number;
}

/**
 * The manager's MQTT connection, as an ordinary MQTT 3.1.1 client: connects and subscribes,
 * hands every message on, waits out reconnects before it publishes (QoS 1).
 */
export class ManagerClient {
  private readonly client: MqttClient;
  private readonly connected: Promise<void>;

  constructor(
    private readonly opts: ManagerClientOptions,
    onMessage: (topic: string, payload: Buffer) => void,
  ) {
    this.client = mqtt.connect(opts.url, {
      clientId: `hil-manager-${randomBytes(4).toString('hex')}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: opts.connectTimeout ?? 10_000,
      ...opts.client,
    });
    this.client.on('message', onMessage);
    // Every (re)connect opens a new socket; Nagle plus delayed ACKs would add ~40 ms per message.
    this.client.on('connect', () => (this.client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
    this.connected = this.connect(opts.connectTimeout ?? 10_000);
    // Awaited by every call; this keeps a failed connect from surfacing as an unhandled rejection meanwhile.
    this.connected.catch(() => {});
  }

  private connect(timeout: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let lastError = 'no answer';
      const fail = () => {
        clearTimeout(timer);
        this.client.off('error', onError);
        reject(new HilError(`the manager could not connect to ${this.opts.url}: ${lastError}`, 'is the broker running, and are the credentials right?'));
      };
      const onError = (err: Error & { code?: unknown }) => {
        lastError = err.message;
        // A CONNACK refusal carries its return code as a number: retrying will not help.
        if (typeof err.code === 'number') fail();
      };
      this.client.on('error', onError);
      const timer = setTimeout(() => {
        lastError = `nothing within ${timeout} ms (last error: ${lastError})`;
        fail();
      }, timeout);
      this.client.once('connect', () => {
        clearTimeout(timer);
        this.client.off('error', onError);
        // mqtt.js renews these subscriptions itself after a reconnect.
        this.client
          .subscribeAsync(this.opts.subscriptions, { qos: 1 })
          .then(() => resolve(), (err: Error) => reject(new HilError(`the manager could not subscribe on ${this.opts.url}: ${err.message}`)));
      });
    });
  }

  /** Resolves once connected and subscribed. */
  ready(): Promise<void> {
    return this.connected;
  }

  /**
   * Waits out a reconnect (after a broker restart, say), so a start is never sent before the
   * renewed subscriptions that its result needs.
   */
  private async online(): Promise<void> {
    await this.ready();
    if (this.client.connected) return;
    const timeout = this.opts.connectTimeout ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('connect', back);
        reject(new HilError(`the manager lost ${this.opts.url} and was not back within ${timeout} ms`, 'is the broker running?'));
      }, timeout);
      const back = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('connect', back);
    });
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.online();
    try {
      await this.client.publishAsync(topic, payload, { qos: 1 });
    } catch (err) {
      throw new HilError(`the manager could not publish to ${topic}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
