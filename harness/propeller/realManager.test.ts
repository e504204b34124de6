import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { provision } from '../bench/provision.ts';
import { VirtualBoard } from '../bench/virtualBoards.ts';
import { startBroker } from '../broker/broker.ts';
import { PeerProcess, runPeer } from '../broker/peerProcess.ts';
import { Console } from '../console/console.ts';
import { requireInstalledPeer, requirePeers } from '../testing/peers.ts';
import { openTransport } from '../transport/open.ts';
import { stateName } from './managerApi.ts';
import { freePort, ManagerProcess } from './managerProcess.ts';
import { propellerTopics } from './topics.ts';

// The real Propeller manager (v0.5.0, installed by .ci/install-peers) and a virtual board
// provisioned for the same tenant and channel, on the embedded broker and on Mosquitto. Every
// step goes through the manager's own HTTP API, as an operator would drive it.

const TENANT = 'real-tenant';
const CHANNEL = 'real-channel';
// Magistrala client ids are UUIDs, and the manager's per-proplet routes refuse any other id (400).
const PROPLET = { id: '5b0e8f2c-3d4a-4c6e-9f1a-2b3c4d5e6f70', apiKey: 'real-key-1' };
const MANAGER = { id: 'real-manager', key: 'real-manager-key' };
const TIMEOUT = 20_000;

interface Rig {
  mqttUrl: string;
  /** What the broker saw last, for failure messages. */
  recent(): string;
  close(): Promise<void>;
}

async function embeddedBroker(): Promise<Rig> {
  const broker = await startBroker({ port: 0, auth: { [PROPLET.id]: PROPLET.apiKey, [MANAGER.id]: MANAGER.key } });
  return {
    mqttUrl: `tcp://127.0.0.1:${broker.port}`,
    recent: () => broker.events.slice(-12).map((e) => JSON.stringify(e).slice(0, 240)).join('\n'),
    close: () => broker.close(),
  };
}

async function mosquittoBroker(dir: string): Promise<Rig> {
  requirePeers('mosquitto', 'mosquitto_passwd');
  const port = await freePort();
  const passwords = join(dir, 'passwords');
  writeFileSync(passwords, '');
  for (const [user, password] of [[PROPLET.id, PROPLET.apiKey], [MANAGER.id, MANAGER.key]]) {
    const done = await runPeer('mosquitto_passwd', ['-b', passwords, user!, password!]);
    if (done.code !== 0) throw new Error(`mosquitto_passwd failed: ${done.stderr}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\npersistence false\n`);
  // Mosquitto started as root drops to its own user, which must be able to read both files.
  chmodSync(dir, 0o755);
  chmodSync(passwords, 0o644);
  const mosquitto = new PeerProcess('mosquitto', ['-c', conf]);
  // Mosquitto logs its listener to stderr once the socket is open.
  const deadline = Date.now() + 5000;
  while (!/Opening ipv4 listen socket/.test(mosquitto.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return {
    mqttUrl: `tcp://127.0.0.1:${port}`,
    recent: () => mosquitto.stderr.trim().split('\n').slice(-12).join('\n'),
    close: async () => {
      await mosquitto.kill();
      await test.info().attach('mosquitto.log', { body: mosquitto.stderr + mosquitto.stdout, contentType: 'text/plain' });
    },
  };
}

for (const [label, brokerOf] of [
  ['the embedded broker', (_dir: string) => embeddedBroker()],
  ['Mosquitto', mosquittoBroker],
] as const) {
  test(`the real manager on ${label}: discovery, string-input tasks and their results and metrics, a stop, proplet metrics, the will`, async () => {
    const command = requireInstalledPeer('propeller-manager');
    test.setTimeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'hil-real-manager-'));
    const closers: (() => Promise<unknown>)[] = [];
    let manager: ManagerProcess | undefined;
    let console: Console | undefined;
    try {
      const broker = await brokerOf(dir);
      closers.push(() => broker.close());
      manager = await ManagerProcess.start({ command, mqttUrl: broker.mqttUrl, tenant: TENANT, channel: CHANNEL, clientId: MANAGER.id, clientKey: MANAGER.key });
      closers.push(() => manager!.stop());
      const api = manager.api;

      const board = await VirtualBoard.start({ stateDir: join(dir, 'board'), firmware: 'fixtures/build/proplet.bin' });
      closers.push(() => board.stop());
      const transport = await openTransport(board.url, { baud: 115200 });
      closers.push(() => transport.close());
      console = new Console(transport, { name: 'real-manager-board', transcriptPath: join(dir, 'console.log') });
      console.start();
      closers.push(async () => console!.stop());
      const port = Number(new URL(broker.mqttUrl).port);
      // alive_s 2: the manager counts a proplet alive for 10 s after its last alive message.
      // keepalive_s 4: a power cut leaves the socket open (no FIN from a board that lost power),
      // so the broker publishes the will only after 1.5 × keep-alive.
      await provision(
        console,
        { brokerHost: '127.0.0.1', brokerPort: port, propletId: PROPLET.id, apiKey: PROPLET.apiKey, tenant: TENANT, channel: CHANNEL, aliveS: 2, keepAliveS: 4, taskTimeoutMs: 60_000 },
        { timeout: TIMEOUT },
      );

      // Discovery: the manager lists the board under its proplet id, with the discovery metadata.
      const listed = await api.awaitAliveProplet(PROPLET.id, TIMEOUT);
      expect(listed.metadata).toMatchObject({ os: 'zephyr', wasm_runtime: 'wamr', cpu_arch: 'xtensa' });

      // A task with string inputs, created and started through the API, runs on the board.
      const add = readFileSync('fixtures/build/add.wasm');
      for (const [inputs, results] of [
        [['2', '3'], '5'],
        [['-7', '3'], '-4'],
      ] as const) {
        const task = await api.createTask({ name: 'add', wasm: add, inputs: [...inputs], propletId: PROPLET.id });
        expect(task.inputs).toEqual(inputs);
        const since = console.mark();
        await api.startTask(task.id);
        await console.waitFor('task.finished', { since, timeout: TIMEOUT });
        const ended = await api.awaitEnded(task.id, TIMEOUT);
        expect(stateName(ended.state), JSON.stringify(ended)).toBe('Completed');
        expect(ended.proplet_id).toBe(PROPLET.id);
        expect(await api.results(task.id)).toBe(results);
        // The task's metrics, as the manager stored them from control/proplet/task_metrics.
        const [stored] = await api.until(`task metrics of ${task.id}`, TIMEOUT, async () => ((await api.taskMetrics(task.id)).length > 0 ? api.taskMetrics(task.id) : undefined));
        expect(stored).toMatchObject({ task_id: task.id, proplet_id: PROPLET.id, metrics: { thread_count: 1 } });
      }

      // A looping task is ended by a stop through the API (not by the watchdog: 60 s here).
      const loop = await api.createTask({ name: 'loop', wasm: readFileSync('fixtures/build/loop.wasm'), propletId: PROPLET.id });
      const since = console.mark();
      await api.startTask(loop.id);
      await console.waitFor('task.started', { since, timeout: TIMEOUT });
      expect(stateName((await api.task(loop.id)).state)).toBe('Running');
      await api.stopTask(loop.id);
      await console.waitFor('task.stopped', { since, timeout: TIMEOUT });
      const stopped = await api.awaitEnded(loop.id, TIMEOUT);
      expect(stateName(stopped.state)).toBe('Failed');
      expect(stopped.error).toBe('Exception: terminated by user');
      expect(console.events.slice(since).some((e) => e.kind === 'task.watchdog')).toBe(false);

      // Proplet metrics (every 30 s), as the manager stored them: the WAMR pool in memory_metrics.
      const [metrics] = await api.until('proplet metrics', 45_000, async () => ((await api.propletMetrics(PROPLET.id)).length > 0 ? api.propletMetrics(PROPLET.id) : undefined));
      // heap_sys_bytes is the pool's usable size (CONTRACT.md §4.5): 40960 less the allocator's header on a 32-bit WAMR.
      expect(metrics).toMatchObject({ proplet_id: PROPLET.id, namespace: 'embedded', memory_metrics: { heap_sys_bytes: 40744 } });
      expect(metrics!.memory_metrics.heap_alloc_bytes).toBeGreaterThan(0);
      expect(Math.abs(Date.parse(metrics!.timestamp) - Date.now()), 'a timestamp of this run').toBeLessThan(60_000);

      // A power cut: the broker publishes the board's will ({"status":"offline"}) on the alive
      // topic. Upstream's manager (updateLivenessHandler) ignores `status` and records the will
      // as one more alive message: the dead board is listed alive, with a fresh last_alive_at.
      const watcher = await mqtt.connectAsync(broker.mqttUrl.replace('tcp:', 'mqtt:'), { username: MANAGER.id, password: MANAGER.key, clientId: 'real-manager-watch' });
      closers.push(() => watcher.endAsync(true));
      const topics = propellerTopics(TENANT, CHANNEL);
      await watcher.subscribeAsync(topics.alive, { qos: 1 });
      const seen: string[] = [];
      const will = new Promise<number>((resolve) =>
        watcher.on('message', (_topic, payload) => {
          seen.push(payload.toString());
          if ((JSON.parse(payload.toString()) as { status?: string }).status === 'offline') resolve(Date.now());
        }),
      );
      await board.powerOff();
      const cut = Date.now();
      const willAt = await Promise.race([will, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no will within 15 s of the power cut; seen on the alive topic: ${seen.join(' ')}; the broker's last events:\n${broker.recent()}`)), 15_000))]);
      const after = await api.until('alive entry after the power cut', TIMEOUT, async () => {
        const p = await api.proplet(PROPLET.id);
        return p.last_alive_at && Date.parse(p.last_alive_at) >= cut ? p : undefined;
      });
      expect(Date.parse(after.last_alive_at!)).toBeGreaterThanOrEqual(cut);
      expect(Date.parse(after.last_alive_at!) - willAt).toBeLessThan(5000);
      expect(after.alive, 'upstream manager bug: the offline will counts as alive').toBe(true);
    } finally {
      if (manager) await test.info().attach('propeller-manager.log', { body: manager.output, contentType: 'text/plain' });
      if (console) await test.info().attach('console', { path: join(dir, 'console.log'), contentType: 'text/plain' }).catch(() => {});
      for (const close of closers.reverse()) await close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
