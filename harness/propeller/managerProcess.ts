import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { HilError } from '../errors.ts';
import { ManagerApi } from './managerApi.ts';

/**
 * The real Propeller manager (`cmd/manager` of absmach/propeller) as a child process. Its
 * configuration is its environment (v0.5.0 `cmd/manager/main.go`, `pkg/storage/factory.go`):
 * MANAGER_MQTT_ADDRESS, MANAGER_DOMAIN_ID (the tenant), MANAGER_CHANNEL_ID, and
 * MANAGER_CLIENT_ID / MANAGER_CLIENT_KEY — its MQTT client id and username, and its password;
 * MANAGER_HTTP_HOST/PORT for the API; MANAGER_STORAGE_TYPE=memory keeps nothing on disk.
 */
export interface ManagerProcessOptions {
  /** The installed binary (requireInstalledPeer('propeller-manager')). */
  command: string;
  /** tcp://host:port of the broker. */
  mqttUrl: string;
  tenant: string;
  channel: string;
  clientId: string;
  clientKey: string;
  /** 0 or absent: a free port. */
  httpPort?: number;
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export class ManagerProcess {
  /** Its JSON log lines (slog), stdout and stderr together. */
  output = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly api: ManagerApi,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.on('exit', () => (this.exited = true));
  }

  static async start(opts: ManagerProcessOptions): Promise<ManagerProcess> {
    const port = opts.httpPort || (await freePort());
    const child = spawn(opts.command, [], {
      // Its working directory holds no config.toml, so only the environment configures it.
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        MANAGER_LOG_LEVEL: 'debug',
        MANAGER_MQTT_ADDRESS: opts.mqttUrl,
        // QoS 1, as the proplets publish; the default 2 works too but doubles the handshakes.
        MANAGER_MQTT_QOS: '1',
        MANAGER_DOMAIN_ID: opts.tenant,
        MANAGER_CHANNEL_ID: opts.channel,
        MANAGER_CLIENT_ID: opts.clientId,
        MANAGER_CLIENT_KEY: opts.clientKey,
        MANAGER_HTTP_HOST: '127.0.0.1',
        MANAGER_HTTP_PORT: String(port),
        MANAGER_STORAGE_TYPE: 'memory',
      },
    });
    const manager = new ManagerProcess(child, new ManagerApi(`http://127.0.0.1:${port}`));
    const timeout = opts.startTimeoutMs ?? 15_000;
    try {
      await manager.api.until('health answer', timeout, async () => {
        if (manager.exited) throw new HilError(`the Propeller manager exited during start-up: ${manager.tail()}`);
        await manager.api.health();
        // Healthy HTTP comes before the MQTT subscription is certain: wait for its log line.
        return manager.output.includes('Subscribe to MQTT topic completed successfully') ? true : undefined;
      });
    } catch (err) {
      await manager.stop();
      throw new HilError(`${(err as Error).message}; its log: ${manager.tail()}`, 'check MANAGER_* settings and that the broker accepts its credentials');
    }
    return manager;
  }

  /** The last lines it logged, for failure messages. */
  tail(lines = 15): string {
    return this.output.trim().split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
