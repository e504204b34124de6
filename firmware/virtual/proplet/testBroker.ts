/**
 * A real MQTT broker (aedes over TCP) and a plain mqtt.js client in the manager's seat, for the
 * model's tests. Written here because firmware/virtual may not use the harness's broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
}

export class TestBroker {
  port = 0;

  /** CONNECT packets as the broker saw them. */
  readonly connects: { clientId: string; username?: string; password?: string; keepalive: number; clean: boolean; will?: Received }[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly aedes: Aedes) {}

  static async start(): Promise<TestBroker> {
    const broker = new TestBroker(await Aedes.createBroker());
    broker.aedes.preConnect = (_client, packet, done) => {
      broker.connects.push({
        clientId: packet.clientId,
        username: packet.username,
        password: packet.password?.toString(),
        keepalive: packet.keepalive ?? 0,
        clean: packet.clean ?? true,
        will: packet.will ? { topic: packet.will.topic, payload: Buffer.from(packet.will.payload).toString() } : undefined,
      });
      done(null, true);
    };

    await broker.listen();
    return broker;
  }

  /** The broker goes away: listener closed, every connection dropped; sessions are kept. */
  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Back on the same port, with the sessions it had. */
  async listen(): Promise<void> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    await this.down();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}

/** A plain MQTT client playing the manager: records everything under `m/#`. */
export class ManagerClient {
  readonly messages: Received[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.messages.push({ topic, payload: payload.toString() });
      for (const wake of this.waiters) wake();
    });
  }

  static async connect(port: number): Promise<ManagerClient> {
    // A persistent session that reconnects by itself: it sees what was published while the broker was away.
    const client = await connectAsync({ host: '127.0.0.1', port, clientId: `manager-${process.pid}-${Math.random()}`, clean: false, reconnectPeriod: 200 });
    await client.subscribeAsync('m/#', { qos: 1 });
    return new ManagerClient(client);
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** The first message (from index `from`) on a topic ending with `suffix` whose payload passes `match`. */
  next(suffix: string, { from = 0, timeout = 10_000, match = (_: unknown) => true }: { from?: number; timeout?: number; match?: (payload: any) => boolean } = {}): Promise<any> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find((m) => m.topic.endsWith(suffix) && match(JSON.parse(m.payload)));
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(JSON.parse(found.payload));
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.messages.slice(from).map((m) => `${m.topic} ${m.payload.slice(0, 200)}`);
        reject(new Error(`expected a message on …/${suffix} within ${timeout} ms; saw:\n${seen.join('\n') || '(nothing)'}`));
      }, timeout);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
