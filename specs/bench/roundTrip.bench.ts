import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import { startBroker } from '../../harness/broker/broker.ts';
import { Manager } from '../../harness/propeller/manager.ts';
import { propellerTopics } from '../../harness/propeller/topics.ts';
import { loadWorkloads } from '../../harness/propeller/workloadTable.ts';
import { requirePeers } from '../../harness/testing/peers.ts';
import { summarize } from '../../harness/report/benchmark/stats.ts';
import { figure, type Figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';
import { CHANNEL, provisionedBoard, startMosquitto, TENANT } from './rig.ts';

/**
 * Task round trip, publish start → result received by the manager, through the embedded Aedes
 * broker and through Mosquitto, side by side in the same run: a provisioned virtual board on
 * each, and a scripted proplet (an MQTT client that answers at once) on each to tell the
 * harness's and brokers' share from the firmware model's.
 */
const BLOCKS = 8;
const PER_BLOCK = 25;
const WARM_UP = 10;
const RUN_TIMEOUT_MS = 5_000;
const COMMAND = 'npx playwright test --project=bench specs/bench/roundTrip.bench.ts';

/** Answers every start message at once with a result, as a proplet with no work to do would. */
async function scriptedProplet(url: string, channel: string): Promise<() => Promise<void>> {
  const topics = propellerTopics(TENANT, channel);
  const client = await mqtt.connectAsync(url, { clientId: `bench-scripted-${Math.random().toString(16).slice(2)}`, protocolVersion: 4 });
  client.on('message', (_topic, payload) => {
    const { id } = JSON.parse(payload.toString()) as { id: string };
    client.publish(topics.results, JSON.stringify({ task_id: id, results: 'ok' }), { qos: 1 });
  });
  await client.subscribeAsync(topics.start, { qos: 1 });
  return () => client.endAsync();
}

test('task round trip: Aedes against Mosquitto, board and scripted proplet', async () => {
  requirePeers('mosquitto');
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-rtt-'));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const aedes = await startBroker({ port: 0 });
    closers.push(() => aedes.close());
    const mosquitto = await startMosquitto(dir);
    closers.push(() => mosquitto.stop());
    const paths = { aedes: { url: aedes.url, port: aedes.port }, mosquitto: { url: mosquitto.url, port: mosquitto.port } };
    const add = loadWorkloads().add!;

    const samples: Record<string, number[]> = {};
    const runners: Record<string, (i: number) => Promise<void>> = {};
    for (const [broker, { url, port }] of Object.entries(paths)) {
      for (const who of ['board', 'scripted'] as const) {
        const key = `${who}-${broker}`;
        // A channel per path: the scripted proplet must not answer the board's tasks.
        const channel = `${CHANNEL}-${key}`;
        const manager = new Manager({ url, tenant: TENANT, channel });
        closers.unshift(() => manager.close());
        await manager.ready();
        if (who === 'board') {
          const board = await provisionedBoard(dir, `rtt-${broker}`, manager, { brokerPort: port, channel });
          closers.unshift(() => board.close());
        } else {
          closers.unshift(await scriptedProplet(url, channel));
        }
        samples[key] = [];
        runners[key] = async (i) => {
          const started = performance.now();
          const outcome = await manager.run(add, [i, 1], { timeout: RUN_TIMEOUT_MS });
          const ms = performance.now() - started;
          expect(outcome, `${key}: task ${i}`).toEqual(who === 'board' ? { results: String(i + 1) } : { results: 'ok' });
          samples[key]!.push(ms);
        };
      }
    }
    for (const run of Object.values(runners)) for (let i = 0; i < WARM_UP; i++) await run(i);
    for (const key of Object.keys(samples)) samples[key] = [];
    // Interleaved in blocks, so that whatever else the machine does falls on every path alike.
    for (let block = 0; block < BLOCKS; block++) {
      for (const run of Object.values(runners)) for (let i = 0; i < PER_BLOCK; i++) await run(block * PER_BLOCK + i);
    }

    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    const n = BLOCKS * PER_BLOCK;
    const how = (what: string) =>
      `${what}; manager.run(add) timed from before the QoS 1 start publish to the result's arrival at the manager (mqtt.js), ${n} runs after ${WARM_UP} warm-up, interleaved in blocks of ${PER_BLOCK} with the other paths; loopback; Mosquitto 2.0 (Debian) with set_tcp_nodelay true, Aedes as the harness embeds it.`;
    const rtt = (id: string, name: string, key: string, statistic: 'median' | 'p99', extra: Partial<Parameters<typeof figure>[0]>): Figure =>
      figure({ id, group: 'Task round trip', name, unit: 'ms', better: 'lower', statistic, samples: samples[key]!, method: { command: COMMAND, how: how(name) }, ...extra });
    recordFigures([
      rtt('rtt.aedes.p50', 'Round trip via Aedes (board), p50', 'board-aedes', 'median', {
        reference: { label: 'Mosquitto p50', value: s['board-mosquitto']!.median },
        aims: [
          { text: '≤ 5 ms', op: '<=', factor: 0, offset: 5 },
          { text: '≤ 1.5 × Mosquitto', op: '<=', factor: 1.5 },
        ],
      }),
      rtt('rtt.aedes.p99', 'Round trip via Aedes (board), p99', 'board-aedes', 'p99', {
        reference: { label: 'Mosquitto p99', value: s['board-mosquitto']!.p99 },
        aims: [{ text: '≤ 1.5 × Mosquitto', op: '<=', factor: 1.5 }],
      }),
      rtt('rtt.mosquitto.p50', 'Round trip via Mosquitto (board), p50', 'board-mosquitto', 'median', {
        aims: [{ text: '≤ 5 ms', op: '<=', factor: 0, offset: 5 }],
      }),
      rtt('rtt.mosquitto.p99', 'Round trip via Mosquitto (board), p99', 'board-mosquitto', 'p99', {}),
      rtt('rtt.scripted-aedes.p50', 'Round trip via Aedes, scripted proplet (harness only), p50', 'scripted-aedes', 'median', {
        reference: { label: 'with the board', value: s['board-aedes']!.median },
      }),
      rtt('rtt.scripted-mosquitto.p50', 'Round trip via Mosquitto, scripted proplet (harness only), p50', 'scripted-mosquitto', 'median', {
        reference: { label: 'with the board', value: s['board-mosquitto']!.median },
      }),
    ]);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
