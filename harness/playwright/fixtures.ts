import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import type { Board } from '../bench/board.ts';
import { bringUp } from '../bench/bringUp.ts';
import { boardCredentials, planBench, type BenchPlan } from '../bench/plan.ts';
import { benchSettings, type BenchSettings } from '../bench/settings.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { brokerOptionsFromConfig } from '../broker/fromConfig.ts';
import type { LogEvent } from '../console/events.ts';
import { HilError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { Manager } from '../propeller/manager.ts';
import { loadPayloadCases, loadWorkloads, type LoadedPayloadCase, type LoadedWorkload } from '../propeller/workloadTable.ts';
import { Observations } from '../report/run/observations.ts';
import { runDir } from '../report/run/runDir.ts';
import type { BenchInfo } from '../report/run/summary.ts';
import type { BoardOptions } from './options.ts';

/** The last console lines and MQTT messages a failing test shows inline (the attachments hold all). */
const TAIL = 20;

/** The annotation of a test that resets or power-cuts its board on purpose. */
export const RESETS_BOARD = { type: 'resets-board', description: 'this test resets the board on purpose' };

/** The broker the board dials, and what a test may do to it. */
export interface BrokerHandle {
  /** The embedded broker, for fault injection and the MQTT trace; absent with broker.external. */
  embedded?: Broker;
  url: string;
  /** The address and port the board is provisioned with. */
  host: string;
  port: number;
  /** The manager's own login on this broker (none on an external broker that takes anonymous clients). */
  manager: { username?: string; password?: string };
}

type WorkerFixtures = BoardOptions & {
  plan: BenchPlan;
  workerLog: Logger;
  settings: BenchSettings;
  broker: BrokerHandle;
  board: Board;
  manager: Manager;
  workloads: Record<string, LoadedWorkload>;
  payloads: Record<string, LoadedPayloadCase>;
};

type TestFixtures = {
  observations: Observations;
  witness: void;
};

/**
 * A board that failed setup is reported once: the reason is kept for the rest of the run, and
 * every later worker of that board fails its tests with it at once instead of repeating the
 * whole setup (and its timeouts) for each test.
 */
async function onceOnly<T>(boardName: string, setup: () => Promise<T>): Promise<T> {
  const file = join(runDir(), `setup-failed-${boardName}.txt`);
  if (existsSync(file)) throw new HilError(`board ${boardName} failed setup earlier in this run: ${readFileSync(file, 'utf8')}`);
  try {
    return await setup();
  } catch (err) {
    mkdirSync(runDir(), { recursive: true });
    writeFileSync(file, err instanceof HilError ? err.line() : (err as Error).message.split('\n')[0]!);
    throw err;
  }
}

function firmwareDigest(plan: BenchPlan): string {
  const hash = createHash('sha256');
  for (const region of plan.firmware.regions) hash.update(region.data);
  return hash.digest('hex');
}

/** What a test saw the board do that it must not: a reboot it did not cause, a Zephyr fatal error. */
function misbehaviour(events: LogEvent[], allowReset: boolean): string[] {
  const problems: string[] = [];
  for (const e of events) {
    if (e.kind === 'zephyr.fatal') problems.push(`Zephyr fatal error: ${e.reason} on CPU ${e.cpu}`);
    if (e.kind === 'rom.banner' && !allowReset) problems.push(`the board rebooted (rst: ${e.resetCause})`);
  }
  return problems;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  benchKind: ['virtual', { scope: 'worker', option: true }],
  boardName: ['v0', { scope: 'worker', option: true }],

  workerLog: [
    async ({ boardName }, use) => {
      await use(createLogger(process.env.HIL_LOG_LEVEL ?? 'warn').child({ board: boardName }));
    },
    { scope: 'worker' },
  ],

  plan: [
    async ({ benchKind, boardName }, use) => {
      await use(await onceOnly(boardName, () => planBench(benchKind)));
    },
    { scope: 'worker' },
  ],

  settings: [
    async ({ plan }, use) => {
      await use(benchSettings(plan));
    },
    { scope: 'worker' },
  ],

  broker: [
    async ({ plan, boardName, workerLog }, use) => {
      const { broker: config } = plan.config;
      if (config.external) {
        const url = new URL(config.external.url);
        await use({
          url: config.external.url,
          host: url.hostname,
          port: Number(url.port || 1883),
          manager: { username: config.external.username, password: config.external.password },
        });
        return;
      }
      const board = plan.boards.find((b) => b.name === boardName);
      if (!board) throw new HilError(`no board ${boardName} on the ${plan.kind} bench`, `boards: ${plan.boards.map((b) => b.name).join(', ')}`);
      const proplet = boardCredentials(plan, board);
      const manager = { username: `hil-manager-${boardName}`, password: randomBytes(12).toString('base64url') };
      const broker = await onceOnly(boardName, () =>
        startBroker(
          brokerOptionsFromConfig(config, {
            workerIndex: plan.boards.indexOf(board),
            credentials: { [proplet.id]: proplet.apiKey, [manager.username]: manager.password },
            recordTo: join(runDir(), `mqtt-${boardName}.jsonl`),
            log: workerLog,
          }),
        ),
      );
      await use({ embedded: broker, url: broker.url, host: config.advertisedHost, port: broker.port, manager });
      await broker.close();
    },
    { scope: 'worker' },
  ],

  manager: [
    async ({ plan, broker, workerLog }, use) => {
      const manager = new Manager({
        url: broker.url,
        tenant: plan.config.propeller.tenant,
        channel: plan.config.propeller.channel,
        client: { username: broker.manager.username, password: broker.manager.password },
        log: workerLog,
      });
      await manager.ready();
      await use(manager);
      await manager.close();
    },
    { scope: 'worker' },
  ],

  // The board as every test starts with it: brought from off to online by the bench's strategy.
  board: [
    async ({ plan, boardName, broker, manager, settings, workerLog }, use) => {
      const reports = runDir();
      const { board, flashed } = await onceOnly(boardName, () =>
        bringUp(plan, boardName, { broker, manager, settings, reportDir: reports, log: workerLog }),
      );
      const info: BenchInfo = {
        firmware: { name: plan.firmware.app?.projectName ?? plan.firmware.source, version: plan.expectVersion, sha256: firmwareDigest(plan) },
        boards: [{ name: boardName, transport: board.transport.url, mac: flashed.mac }],
      };
      // Named to match BENCH_INFO_PATTERN, where the summary reporter gathers them.
      writeFileSync(join(reports, `bench-board-${boardName}.json`), JSON.stringify(info, null, 2));
      await use(board);
      await board.close();
    },
    { scope: 'worker' },
  ],

  workloads: [
    async ({}, use) => {
      await use(loadWorkloads());
    },
    { scope: 'worker' },
  ],

  payloads: [
    async ({}, use) => {
      await use(loadPayloadCases());
    },
    { scope: 'worker' },
  ],

  observations: async ({}, use) => {
    await use(new Observations());
  },

  // Every test's two witnesses, attached to its report; and the board's conduct checked:
  // a reboot the test did not cause, or a Zephyr fatal error, fails the test with its cause.
  witness: [
    async ({ board, broker, manager, observations }, use, testInfo) => {
      const consoleMark = board.console.mark();
      const brokerMark = broker.embedded?.mark();
      const managerMark = manager.mark();
      await use();
      const events = board.console.events.slice(consoleMark);
      const lines = events.filter((e) => e.kind === 'line').map((e) => e.text);
      await testInfo.attach(`console-${board.name}.txt`, {
        body: `${lines.join('\n')}\n\n(full transcript: ${board.console.transcriptPath})\n`,
        contentType: 'text/plain',
      });
      const mqtt = broker.embedded ? broker.embedded.events.slice(brokerMark) : manager.messages.slice(managerMark);
      await testInfo.attach(`mqtt-${board.name}.jsonl`, {
        body: mqtt.map((e) => JSON.stringify(e)).join('\n') + '\n',
        contentType: 'application/x-ndjson',
      });
      for (const e of events) {
        if (e.kind === 'rom.banner') observations.resetCause(board.name, e.resetCause);
        if (e.kind === 'zephyr.fatal') observations.fatalError(board.name, e.reason);
      }
      await observations.attachTo(testInfo);
      const allowReset = testInfo.annotations.some((a) => a.type === RESETS_BOARD.type);
      const problems = misbehaviour(events, allowReset);
      if (problems.length > 0) {
        throw new HilError(
          `${board.name}: ${problems.join('; ')}\nlast console lines:\n${board.console.tail(TAIL).join('\n')}`,
          `transcript: ${board.console.transcriptPath}`,
        );
      }
    },
    { auto: true },
  ],
});

export { expect };
