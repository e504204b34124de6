import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { recordPayload, type DisconnectCause, type MqttEvent } from './mqttEvent.ts';
import { Recorder, type EventListener, type WaitOptions } from './recorder.ts';

/** username → password (a proplet's id → its API key, as upstream authenticates). */
export type Credentials = Record<string, string>;
export type Authenticator = (username: string | undefined, password: string | undefined, clientId: string) => boolean;

export interface TlsOptions {
  /** PEM text of the certificate chain and the private key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface BrokerOptions {
  /** Address to listen on; 127.0.0.1 unless the boards reach the host over a network. */
  bind?: string;
  /** 0 picks a free port, which the broker then keeps across restarts. */
  port: number;
  /** Absent: anyone may connect. */
  auth?: Authenticator | Credentials;
  /** JSONL trace file, appended as events happen. */
  recordTo?: string;
  tls?: TlsOptions;
  log?: Logger;
}

export interface RefuseOptions {
  /** connack (default): answer CONNACK rc=3 "server unavailable"; close: cut the socket before any MQTT. */
  how?: 'connack' | 'close';
}

export interface Broker {
  readonly port: number;
  readonly url: string;
  readonly tlsPort?: number;
  readonly tlsUrl?: string;
  /** Every event since the broker started, restarts included. */
  readonly events: readonly MqttEvent[];
  readonly recorder: Recorder;
  onEvent(listener: EventListener): () => void;
  waitFor: Recorder['waitFor'];
  /** The seq of the next event; pass it as `since` to waitFor. */
  mark(): number;
  /** Cuts a client's socket without an MQTT DISCONNECT, as a power cut or lost WiFi would: its will is published. */
  drop(clientId: string): void;
  /** Refuses every new connection for `ms` milliseconds; connected clients stay. */
  refuseConnections(ms: number, opts?: RefuseOptions): void;
  /** Stops (clients lose their sockets) and listens again on the same ports, keeping the history. */
  restart(opts?: { downtimeMs?: number }): Promise<void>;
  close(): Promise<void>;
}

interface ConnectInfo {
  username?: string;
  keepalive: number;
  clean: boolean;
  will?: { topic: string; payload: Buffer | string; qos?: number; retain?: boolean };
}

// A CONNACK return code travels on the error aedes' authenticate callback receives.
function refusal(returnCode: 3 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function checker(auth: BrokerOptions['auth']): Authenticator | undefined {
  if (auth === undefined || typeof auth === 'function') return auth;
  return (user, pass) => user !== undefined && Object.hasOwn(auth, user) && auth[user] === pass;
}

function listen(server: Server, port: number, bind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function hostForUrl(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return '127.0.0.1';
  return bind.includes(':') ? `[${bind}]` : bind;
}

class EmbeddedBroker implements Broker {
  readonly recorder: Recorder;
  port: number;
  tlsPort?: number;
  private aedes?: Aedes;
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** Connected clients by id; aedes keeps its own map but does not type or document it. */
  private readonly clients = new Map<string, Client>();
  private readonly connectInfo = new WeakMap<Client, ConnectInfo>();
  private readonly causes = new WeakMap<Client, { cause: DisconnectCause; error?: string }>();
  private refuseUntil = 0;
  private refuseHow: RefuseOptions['how'] = 'connack';
  private readonly authenticator?: Authenticator;
  private readonly bind: string;

  constructor(private readonly opts: BrokerOptions) {
    this.recorder = new Recorder(opts.recordTo);
    this.authenticator = checker(opts.auth);
    this.bind = opts.bind ?? '127.0.0.1';
    this.port = opts.port;
    this.tlsPort = opts.tls ? (opts.tls.port ?? 0) : undefined;
  }

  get url(): string {
    return `mqtt://${hostForUrl(this.bind)}:${this.port}`;
  }

  get tlsUrl(): string | undefined {
    return this.tlsPort === undefined ? undefined : `mqtts://${hostForUrl(this.bind)}:${this.tlsPort}`;
  }

  get events(): readonly MqttEvent[] {
    return this.recorder.events;
  }

  onEvent(listener: EventListener): () => void {
    return this.recorder.onEvent(listener);
  }

  waitFor: Recorder['waitFor'] = (predicate: (e: MqttEvent) => boolean, opts: WaitOptions) =>
    this.recorder.waitFor(predicate, opts) as never;

  mark(): number {
    return this.recorder.mark();
  }

  /** The first cause named wins: a keep-alive timeout also surfaces as a client error right after. */
  private markCause(client: Client, cause: DisconnectCause, error?: string): void {
    if (!this.causes.has(client)) this.causes.set(client, { cause, error });
  }

  private recordConnect(client: Client): void {
    const info = this.connectInfo.get(client);
    const will = info?.will;
    this.recorder.record({
      kind: 'connect',
      clientId: client.id,
      username: info?.username,
      clean: info?.clean ?? true,
      keepalive: info?.keepalive ?? 0,
      will: will ? { topic: will.topic, qos: will.qos ?? 0, retain: will.retain ?? false, ...recordPayload(will.payload) } : undefined,
    });
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      preConnect: (client, packet, done) => {
        this.connectInfo.set(client, { username: packet.username, keepalive: packet.keepalive ?? 0, clean: packet.clean ?? true, will: packet.will });
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        if (Date.now() < this.refuseUntil) {
          this.recorder.record({ kind: 'connect-refused', clientId: client.id, username, returnCode: 3, reason: 'refusing connections' });
          return done(refusal(3, 'server unavailable'), false);
        }
        if (this.authenticator && !this.authenticator(username, password?.toString('utf8'), client.id)) {
          this.recorder.record({ kind: 'connect-refused', clientId: client.id, username, returnCode: 5, reason: 'not authorized' });
          return done(refusal(5, 'not authorized'), false);
        }
        const previous = this.clients.get(client.id);
        if (previous && previous !== client) this.markCause(previous, 'taken-over');
        // Recorded here rather than on aedes' clientReady or connackSent: a client may
        // pipeline packets after CONNECT, or act on the CONNACK, before either event fires.
        this.clients.set(client.id, client);
        this.recordConnect(client);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
        if (client) {
          // aedes publishes a will through this same hook, with the will packet itself.
          const origin = packet === (client as Client & { will?: unknown }).will ? 'will' : 'client';
          this.recorder.record({
            kind: 'publish',
            origin,
            clientId: client.id,
            topic: packet.topic,
            qos: packet.qos,
            retain: packet.retain,
            ...recordPayload(packet.payload),
          });
        }
        done(null);
      },
      authorizeForward: (client, packet) => {
        if (!packet.topic.startsWith('$SYS')) {
          this.recorder.record({
            kind: 'deliver',
            clientId: client.id,
            topic: packet.topic,
            qos: packet.qos,
            retain: packet.retain,
            ...recordPayload(packet.payload),
          });
        }
        return packet;
      },
    });
    aedes.on('keepaliveTimeout', (client) => this.markCause(client, 'keepalive-timeout'));
    aedes.on('clientError', (client, err) => this.markCause(client, 'socket-error', err.message));
    aedes.on('clientDisconnect', (client) => {
      if (this.clients.get(client.id) === client) this.clients.delete(client.id);
      // aedes sets _disconnected only when the client sent DISCONNECT; it has no event for it.
      const clean = (client as Client & { _disconnected?: boolean })._disconnected === true;
      const known = this.causes.get(client);
      const { cause, error } = clean ? { cause: 'clean' as const, error: undefined } : (known ?? { cause: 'socket-closed' as const });
      this.recorder.record({ kind: 'disconnect', clientId: client.id, cause, error });
    });
    aedes.on('subscribe', (subs, client) => {
      if (!client) return;
      this.recorder.record({ kind: 'subscribe', clientId: client.id, subscriptions: subs.map((s) => ({ topic: s.topic, qos: s.qos })) });
    });
    aedes.on('unsubscribe', (topics, client) => {
      // aedes unsubscribes a closing client from everything; that is not the client's UNSUBSCRIBE.
      if (!client || client.closed) return;
      this.recorder.record({ kind: 'unsubscribe', clientId: client.id, topics });
    });

    const accept = (socket: Socket): void => {
      if (Date.now() < this.refuseUntil && this.refuseHow === 'close') {
        this.recorder.record({ kind: 'connect-refused', clientId: '', reason: 'refusing connections (socket closed)' });
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // MQTT is small request/response packets: Nagle plus delayed ACKs would add ~40 ms to each.
      socket.setNoDelay(true);
      aedes.handle(socket);
    };
    const plain = createServer(accept);
    const servers: Server[] = [plain];
    try {
      this.port = await listen(plain, this.port, this.bind);
      if (this.opts.tls) {
        const secure = createTlsServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, accept);
        servers.push(secure);
        this.tlsPort = await listen(secure, this.tlsPort ?? 0, this.bind);
      }
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await new Promise<void>((r) => aedes.close(() => r()));
      const e = err as NodeJS.ErrnoException;
      throw new HilError(
        `MQTT broker cannot listen on ${this.bind}:${this.port}: ${e.code ?? e.message}`,
        e.code === 'EADDRINUSE' ? 'another broker (or test worker) holds the port: pick another port or stop it' : undefined,
        2,
      );
    }
    this.aedes = aedes;
    this.servers = servers;
    this.recorder.record({ kind: 'listening', url: this.url, tlsUrl: this.tlsUrl });
    this.opts.log?.info({ url: this.url, tlsUrl: this.tlsUrl }, 'MQTT broker listening');
  }

  private async stop(): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return;
    this.aedes = undefined;
    for (const client of this.clients.values()) this.markCause(client, 'broker-closed');
    const closed = this.servers.map((s) => new Promise((r) => s.close(r)));
    await new Promise<void>((r) => aedes.close(() => r()));
    // Sockets still in the CONNECT phase are not aedes clients yet; without this server.close() would wait for them.
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
    this.servers = [];
    this.recorder.record({ kind: 'stopped' });
    this.opts.log?.info({ url: this.url }, 'MQTT broker stopped');
  }

  drop(clientId: string): void {
    const client = this.clients.get(clientId);
    if (!client) {
      const connected = [...this.clients.keys()];
      throw new HilError(`cannot drop MQTT client "${clientId}": not connected`, `connected: ${connected.join(', ') || 'none'}`);
    }
    this.markCause(client, 'dropped');
    client.conn.destroy();
  }

  refuseConnections(ms: number, opts: RefuseOptions = {}): void {
    this.refuseUntil = Date.now() + ms;
    this.refuseHow = opts.how ?? 'connack';
    this.opts.log?.info({ ms, how: this.refuseHow }, 'MQTT broker refuses new connections');
  }

  async restart(opts: { downtimeMs?: number } = {}): Promise<void> {
    await this.stop();
    if (opts.downtimeMs) await new Promise((r) => setTimeout(r, opts.downtimeMs));
    await this.start();
  }

  close(): Promise<void> {
    return this.stop();
  }
}

/** Starts the embedded Aedes broker and its traffic recorder. */
export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const broker = new EmbeddedBroker(opts);
  await broker.start();
  return broker;
}
