import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { pino } from 'pino';
import { provision, type ProvisionSettings } from '../../harness/bench/provision.ts';
import { VirtualBoard } from '../../harness/bench/virtualBoards.ts';
import { PeerProcess } from '../../harness/broker/peerProcess.ts';
import { Console } from '../../harness/console/console.ts';
import type { Manager } from '../../harness/propeller/manager.ts';
import { openTransport } from '../../harness/transport/open.ts';
import type { Transport } from '../../harness/transport/transport.ts';

/** What the benchmarks stand on: virtual boards they start and provision, and a Mosquitto peer. */

export const TENANT = 'bench-tenant';
export const CHANNEL = 'bench-channel';
export const silent = pino({ level: 'silent' });
const STEP_TIMEOUT_MS = 15_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function untilListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('connection refused');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Debian's Mosquitto on a free loopback port, anonymous, no persistence: the reference broker,
 * set up for latency as one would for this job (TCP_NODELAY on its sockets; its default is off).
 */
export async function startMosquitto(dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n`);
  const peer = new PeerProcess('mosquitto', ['-c', conf]);
  // Mosquitto buffers its log when stdout is a pipe: a listening port is the sign it is up.
  try {
    await untilListening(port, 5_000);
  } catch (err) {
    await peer.kill();
    throw new Error(`mosquitto -c ${conf} is not listening on ${port} after 5 s: ${(err as Error).message}; stderr: ${peer.stderr}`);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await peer.kill();
    },
  };
}

export interface BenchBoard {
  board: VirtualBoard;
  transport: Transport;
  console: Console;
  propletId: string;
  close(): Promise<void>;
}

/**
 * A virtual board running the proplet firmware, provisioned for `brokerPort` and announced to
 * `manager` (its discovery message arrived): the state every figure that needs a board starts from.
 */
export async function provisionedBoard(
  dir: string,
  name: string,
  manager: Manager,
  settings: Pick<ProvisionSettings, 'brokerPort'> & Partial<ProvisionSettings>,
): Promise<BenchBoard> {
  const board = await VirtualBoard.start({ stateDir: join(dir, name), firmware: 'fixtures/build/proplet.bin' });
  const transport = await openTransport(board.url, { baud: 115200, log: silent });
  const console = new Console(transport, { name, transcriptPath: join(dir, `console-${name}.log`) });
  console.start();
  const close = async () => {
    console.stop();
    await transport.close().catch(() => undefined);
    await board.stop();
  };
  try {
    const propletId = `bench-${name}`;
    const since = manager.mark();
    await provision(console, { propletId, apiKey: 'bench-key', tenant: TENANT, channel: CHANNEL, brokerHost: '127.0.0.1', ...settings }, { timeout: STEP_TIMEOUT_MS });
    await manager.awaitDiscovery(propletId, { timeout: STEP_TIMEOUT_MS, since });
    return { board, transport, console, propletId, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A copy of lab.config.yaml for a nested run of the suite: its own broker ports and board
 * state under `dir`, so that it collides with no other run on this host. With the returned
 * environment, its locks and reports stay under `dir` too.
 */
export async function nestedRunConfig(dir: string, runId: string): Promise<{ configPath: string; env: NodeJS.ProcessEnv }> {
  const config = parse(readFileSync('lab.config.yaml', 'utf8')) as { broker: { basePort: number }; firmware: { image?: string } };
  // Four workers at most: basePort + i must be free for each (checked loosely: the first one).
  config.broker.basePort = await freePort();
  config.firmware.image = resolve('fixtures/build/proplet.bin');
  const configPath = join(dir, 'lab.config.yaml');
  writeFileSync(configPath, stringify(config));
  return {
    configPath,
    env: { ...process.env, HIL_CONFIG: configPath, HIL_LOCK_DIR: join(dir, 'locks'), HIL_REPORTS_DIR: join(dir, 'reports'), HIL_RUN_ID: runId, HIL_LOG_LEVEL: 'info' },
  };
}
