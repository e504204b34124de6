import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  AliveTopicPayloadSchema,
  DiscoveryPayloadSchema,
  MetricsPayloadSchema,
  RegistryRequestSchema,
  TaskMetricsPayloadSchema,
  ResultPayloadSchema,
  type AlivePayload,
  type DiscoveryPayload,
  type LwtPayload,
  type RegistryRequest,
  type RegistryResponse,
  type ResultPayload,
  type StartPayload,
} from './payloads.ts';
import { buildStop, buildTask, forWire, MANAGER_WIRE, type TaskWire } from './task.ts';
import { propellerTopics, type PropellerTopics, type TopicName } from './topics.ts';

export interface ManagerOptions {
  /** mqtt://host:port (or mqtts://) of any MQTT 3.1.1 broker. */
  url: string;
  tenant: string;
  channel: string;
  /** mqtt.js options: username, password, clientId, TLS. */
  client?: IClientOptions;
  log?: Logger;
  /** How long the first connection may take (default 10 s). */
  connectTimeout?: number;
  /** How tasks are written for the board (default: as the real manager writes them, unaddressed). */
  wire?: TaskWire;
}

/** What a task came to: its results text, or its error text. */
export type Outcome = { results: string } | { error: string };

/** Something a witness of the protocol saw that it must report rather than crash on. */
export interface Finding {
  time: string;
  topic: string;
  problem: string;
  payload: string;
}

/** One MQTT message as the manager received it, parsed when its topic is known. */
export interface SeenMessage {
  seq: number;
  time: string;
  topic: string;
  name?: TopicName;
  text: string;
  /** The payload parsed by its topic's schema; undefined when it did not parse. */
  value?: unknown;
}

export interface AwaitOptions {
  timeout: number;
  /** Only messages with seq ≥ since count (take it from `mark()` before acting). */
  since?: number;
}

/** A module with what it needs to run: a row of the workload table or any module. */
export interface Runnable {
  bytes: Uint8Array;
  inputs: number[];
  name: string;
  env?: Record<string, string>;
}

export interface RunOptions {
  /** Default 15 s: beyond the firmware's 10 s watchdog, so a hung task still yields its error. */
  timeout?: number;
  env?: Record<string, string>;
  name?: string;
}

const DEFAULT_RUN_TIMEOUT = 15_000;

const SCHEMAS: Partial<Record<TopicName, z.ZodType>> = {
  results: ResultPayloadSchema,
  alive: AliveTopicPayloadSchema,
  discovery: DiscoveryPayloadSchema,
  metrics: MetricsPayloadSchema,
  taskMetrics: TaskMetricsPayloadSchema,
  registryProplet: RegistryRequestSchema,
};

function outcomeOf(result: ResultPayload): Outcome {
  return result.error !== undefined ? { error: result.error } : { results: result.results };
}

/**
 * The manager side of the Propeller protocol, as an ordinary MQTT client: it publishes start
 * and stop messages and awaits what proplets publish. Every message on the proplet topics is
 * parsed; one that is not JSON, breaks its schema or has no business there becomes a finding.
 */
export class Manager {
  readonly topics: PropellerTopics;
  readonly messages: SeenMessage[] = [];
  readonly findings: Finding[] = [];
  private readonly client: MqttClient;
  private readonly connected: Promise<void>;
  private readonly listeners = new Set<(m: SeenMessage) => void>();
  private readonly started = new Set<string>();
  private readonly answered = new Set<string>();
  private readonly images = new Map<string, Uint8Array>();
  private readonly answeredElsewhere = new Set<string>();
  private readonly log?: Logger;

  constructor(private readonly opts: ManagerOptions) {
    this.topics = propellerTopics(opts.tenant, opts.channel);
    this.log = opts.log?.child({ component: 'manager' });
    this.client = mqtt.connect(opts.url, {
      clientId: `hil-manager-${randomBytes(4).toString('hex')}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: opts.connectTimeout ?? 10_000,
      ...opts.client,
    });
    this.client.on('message', (topic, payload) => this.receive(topic, payload));
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
          .subscribeAsync([`${this.topics.prefix}control/proplet/#`, this.topics.registryProplet], { qos: 1 })
          .then(() => resolve(), (err: Error) => reject(new HilError(`the manager could not subscribe on ${this.opts.url}: ${err.message}`)));
      });
    });
  }

  /** Resolves once connected and subscribed. */
  ready(): Promise<void> {
    return this.connected;
  }

  /** The seq the next message will get: pass it as `since` to await only what follows. */
  mark(): number {
    return this.messages.length;
  }

  private finding(topic: string, problem: string, text: string): void {
    const f = { time: new Date().toISOString(), topic, problem, payload: text.length > 300 ? `${text.slice(0, 300)}…` : text };
    this.findings.push(f);
    this.log?.warn(f, 'protocol finding');
  }

  private receive(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    const message: SeenMessage = { seq: this.messages.length, time: new Date().toISOString(), topic, name: this.topics.nameOf(topic), text };
    this.messages.push(message);
    this.log?.debug({ topic, bytes: payload.length }, 'mqtt message');
    const schema = message.name && SCHEMAS[message.name];
    if (!schema) {
      this.finding(topic, 'unexpected topic', text);
    } else {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        this.finding(topic, 'payload is not JSON', text);
      }
      if (json !== undefined) {
        const parsed = schema.safeParse(json);
        if (parsed.success) {
          message.value = parsed.data;
          this.check(message);
        } else {
          const issue = parsed.error.issues[0];
          this.finding(topic, `invalid ${message.name} payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, text);
        }
      }
    }
    for (const listener of this.listeners) listener(message);
  }

  /** Protocol checks beyond the schema, on a parsed message. */
  private check(m: SeenMessage): void {
    if (m.name === 'results') {
      const id = (m.value as ResultPayload).task_id;
      if (!this.started.has(id)) this.finding(m.topic, `result for task ${id}, which this manager did not start`, m.text);
      else if (this.answered.has(id)) this.finding(m.topic, `second result for task ${id}`, m.text);
      this.answered.add(id);
    } else if (m.name === 'registryProplet') {
      const appName = (m.value as RegistryRequest).app_name;
      if (this.answeredElsewhere.has(appName)) return;
      const image = this.images.get(appName);
      if (!image) {
        this.finding(m.topic, `registry request for unknown image ${appName}`, m.text);
        return;
      }
      const answer: RegistryResponse = { app_name: appName, data: Buffer.from(image).toString('base64') };
      this.publish(this.topics.registryServer, JSON.stringify(answer)).catch((err: Error) => this.log?.warn({ err: err.message }, 'registry answer not sent'));
    }
  }

  /** The test answers the registry requests for `appName` itself (with a broken answer, say): no finding, no answer. */
  answersFetchItself(appName: string): void {
    this.answeredElsewhere.add(appName);
  }

  /** Answers the proplet's registry requests for `appName` with this module (start messages with image_url). */
  provideImage(appName: string, wasm: Uint8Array): void {
    this.images.set(appName, wasm);
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

  private async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.online();
    try {
      await this.client.publishAsync(topic, payload, { qos: 1 });
    } catch (err) {
      throw new HilError(`the manager could not publish to ${topic}: ${(err as Error).message}`);
    }
  }

  /** Publishes a start message (QoS 1) and resolves with its id once the broker has it. */
  async start(built: StartPayload): Promise<string> {
    const task = forWire(built, this.opts.wire ?? MANAGER_WIRE);
    this.started.add(task.id);
    this.log?.info({ task: task.id, name: task.name, inputs: task.inputs }, 'start task');
    await this.publish(this.topics.start, JSON.stringify(task));
    return task.id;
  }

  /** Publishes any bytes as a start message: for payloads the firmware must reject. */
  async startRaw(payload: string | Buffer): Promise<void> {
    try {
      const id = (JSON.parse(payload.toString()) as { id?: unknown }).id;
      if (typeof id === 'string') this.started.add(id);
    } catch {
      // Not JSON: no id to expect a result for, which is the point of sending it.
    }
    await this.publish(this.topics.start, typeof payload === 'string' ? payload : Buffer.from(payload));
  }

  async stop(id: string, name?: string): Promise<void> {
    await this.publish(this.topics.stop, JSON.stringify(buildStop(id, this.opts.wire ?? MANAGER_WIRE, name)));
  }

  /** Starts a module with inputs and awaits its outcome. */
  async run(task: Runnable | Uint8Array, inputs?: number[], opts: RunOptions = {}): Promise<Outcome> {
    const runnable: Runnable = task instanceof Uint8Array ? { bytes: task, inputs: [], name: opts.name ?? 'task' } : task;
    const env = runnable.env || opts.env ? { ...runnable.env, ...opts.env } : undefined;
    const start = buildTask({ wasm: runnable.bytes, inputs: inputs ?? runnable.inputs, name: opts.name ?? runnable.name, env });
    await this.start(start);
    return this.awaitResult(start.id, { timeout: opts.timeout ?? DEFAULT_RUN_TIMEOUT });
  }

  /** The outcome of a task; a result that arrived before the call counts. */
  async awaitResult(id: string, opts: AwaitOptions): Promise<Outcome> {
    const m = await this.await(
      (m) => m.name === 'results' && (m.value as ResultPayload | undefined)?.task_id === id,
      { since: 0, ...opts },
      `result for task ${id}`,
      ['results'],
    );
    return outcomeOf(m.value as ResultPayload);
  }

  /** An alive message from the proplet, by default one published after this call. */
  async awaitAlive(propletId: string, opts: AwaitOptions): Promise<AlivePayload> {
    const m = await this.await((m) => this.aliveStatus(m, propletId) === 'alive', opts, `alive message from ${propletId}`, ['alive']);
    return m.value as AlivePayload;
  }

  /** The proplet's last will (status offline), by default one published after this call. */
  async awaitOffline(propletId: string, opts: AwaitOptions): Promise<LwtPayload> {
    const m = await this.await((m) => this.aliveStatus(m, propletId) === 'offline', opts, `offline will from ${propletId}`, ['alive']);
    return m.value as LwtPayload;
  }

  /** The proplet's discovery message, by default one published after this call. */
  async awaitDiscovery(propletId: string, opts: AwaitOptions): Promise<DiscoveryPayload> {
    const m = await this.await(
      (m) => m.name === 'discovery' && (m.value as DiscoveryPayload | undefined)?.proplet_id === propletId,
      opts,
      `discovery message from ${propletId}`,
      ['discovery'],
    );
    return m.value as DiscoveryPayload;
  }

  private aliveStatus(m: SeenMessage, propletId: string): string | undefined {
    const v = m.value as AlivePayload | LwtPayload | undefined;
    return m.name === 'alive' && v?.proplet_id === propletId ? v.status : undefined;
  }

  private async await(predicate: (m: SeenMessage) => boolean, opts: AwaitOptions, what: string, names: TopicName[]): Promise<SeenMessage> {
    const since = opts.since ?? this.mark();
    await this.ready();
    const seen = this.messages.slice(since).find(predicate);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new HilError(`no ${what} within ${opts.timeout} ms; ${this.describeSeen(names, since)}`));
      }, opts.timeout);
      const listener = (m: SeenMessage) => {
        if (!predicate(m)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(m);
      };
      this.listeners.add(listener);
    });
  }

  private describeSeen(names: TopicName[], since: number): string {
    const relevant = this.messages.slice(since).filter((m) => m.name !== undefined && names.includes(m.name));
    const topics = names.map((n) => this.topics[n]).join(', ');
    if (relevant.length === 0) return `nothing arrived on ${topics}`;
    const last = relevant.slice(-10).map((m) => `\n  ${m.time.slice(11, 23)} ${m.topic} ${m.text.length > 200 ? `${m.text.slice(0, 200)}…` : m.text}`);
    return `last messages on ${topics}:${last.join('')}`;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
