import type { IClientOptions } from 'mqtt';
import { HilError } from '../errors.ts';
import { History, type HistoryWait } from '../history.ts';
import type { Logger } from '../log.ts';
import { ManagerClient } from './managerClient.ts';
import type { AlivePayload, DiscoveryPayload, LwtPayload, ResultPayload, StartPayload } from './payloads.ts';
import { ProtocolChecker, type Finding, type SeenMessage } from './protocolChecker.ts';
import { RegistryResponder } from './registryResponder.ts';
import { buildStop, buildTask, forWire, MANAGER_WIRE, type TaskWire } from './task.ts';
import { propellerTopics, type PropellerTopics, type TopicName } from './topics.ts';

export type { Finding, SeenMessage } from './protocolChecker.ts';

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

/** A bounded wait from a mark() (default: mark() at the call, the harness's one rule; see history.ts). */
export type AwaitOptions = HistoryWait;

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
  private readonly history = new History<SeenMessage>({ timeoutError: (what, timeout) => new HilError(`no ${what} within ${timeout} ms`) });
  private readonly checker: ProtocolChecker;
  private readonly registry: RegistryResponder;
  private readonly client: ManagerClient;
  private readonly log?: Logger;
  /** How tasks are written for the board. */
  private readonly wire: TaskWire;

  constructor(opts: ManagerOptions) {
    this.topics = propellerTopics(opts.tenant, opts.channel);
    this.wire = opts.wire ?? MANAGER_WIRE;
    this.log = opts.log?.child({ component: 'manager' });
    this.checker = new ProtocolChecker((f) => this.log?.warn(f, 'protocol finding'));
    this.registry = new RegistryResponder(
      (answer) => this.publish(this.topics.registryServer, JSON.stringify(answer)).catch((err: Error) => this.log?.warn({ err: err.message }, 'registry answer not sent')),
      (m, appName) => this.checker.note(m.topic, `registry request for unknown image ${appName}`, m.text),
    );
    this.client = new ManagerClient(
      {
        url: opts.url,
        subscriptions: [`${this.topics.prefix}control/proplet/#`, this.topics.registryProplet],
        ...(opts.client ? { client: opts.client } : {}),
        ...(this.log ? { log: this.log } : {}),
        ...(opts.connectTimeout !== undefined ? { connectTimeout: opts.connectTimeout } : {}),
      },
      (topic, payload) => this.receive(topic, payload),
    );
  }

  /** Every message on the proplet topics so far; messages[seq] is the one with that seq. */
  get messages(): readonly SeenMessage[] {
    return this.history.items;
  }

  /** What broke the protocol so far. */
  get findings(): readonly Finding[] {
    return this.checker.findings;
  }

  /** Resolves once connected and subscribed. */
  ready(): Promise<void> {
    return this.client.ready();
  }

  /** The seq the next message will get: pass it as `since` to await only what follows. */
  mark(): number {
    return this.history.mark();
  }

  private receive(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    const message: SeenMessage = { seq: this.history.mark(), time: new Date().toISOString(), topic, name: this.topics.nameOf(topic), text };
    this.log?.debug({ topic, bytes: payload.length }, 'mqtt message');
    if (this.checker.check(message) && message.name === 'registryProplet') this.registry.respond(message);
    this.history.push(message);
  }

  /** The test answers the registry requests for `appName` itself (with a broken answer, say): no finding, no answer. */
  answersFetchItself(appName: string): void {
    this.registry.answeredByTest(appName);
  }

  /** Answers the proplet's registry requests for `appName` with this module (start messages with image_url). */
  provideImage(appName: string, wasm: Uint8Array): void {
    this.registry.provide(appName, wasm);
  }

  private publish(topic: string, payload: string | Buffer): Promise<void> {
    return this.client.publish(topic, payload);
  }

  /** Publishes a start message (QoS 1) and resolves with its id once the broker has it. */
  async start(built: StartPayload): Promise<string> {
    const task = forWire(built, this.wire);
    this.checker.expectResult(task.id);
    this.log?.info({ task: task.id, name: task.name, inputs: task.inputs }, 'start task');
    await this.publish(this.topics.start, JSON.stringify(task));
    return task.id;
  }

  /** Publishes any bytes as a start message: for payloads the firmware must reject. */
  async startRaw(payload: string | Buffer): Promise<void> {
    try {
      const id = (JSON.parse(payload.toString()) as { id?: unknown }).id;
      if (typeof id === 'string') this.checker.expectResult(id);
    } catch {
      // Not JSON: no id to expect a result for, which is the point of sending it.
    }
    await this.publish(this.topics.start, typeof payload === 'string' ? payload : Buffer.from(payload));
  }

  async stop(id: string, name?: string): Promise<void> {
    await this.publish(this.topics.stop, JSON.stringify(buildStop(id, this.wire, name)));
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
    // The mark is taken at the call, before the connection is awaited: nothing in between is missed.
    const since = opts.since ?? this.mark();
    await this.ready();
    return this.history.waitFor(predicate, what, { timeout: opts.timeout, since }).catch((err: unknown) => {
      throw err instanceof HilError ? new HilError(`${err.message}; ${this.describeSeen(names, since)}`) : err;
    });
  }

  private describeSeen(names: TopicName[], since: number): string {
    const relevant = this.history.since(since).filter((m) => m.name !== undefined && names.includes(m.name));
    const topics = names.map((n) => this.topics[n]).join(', ');
    if (relevant.length === 0) return `nothing arrived on ${topics}`;
    const last = relevant.slice(-10).map((m) => `\n  ${m.time.slice(11, 23)} ${m.topic} ${m.text.length > 200 ? `${m.text.slice(0, 200)}…` : m.text}`);
    return `last messages on ${topics}:${last.join('')}`;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
