import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import type { Board } from '../bench/board.ts';
import { boardLockName } from '../bench/boardLock.ts';
import { bringUp } from '../bench/bringUp.ts';
import { leaseTimeoutMs, waitForLease, type Lease } from '../bench/lease.ts';
import { boardCredentials, planBench, profileFor, taskInputsFor, type BenchPlan } from '../bench/plan.ts';
import { benchSettings, profileBenchSettings, type BenchSettings } from '../bench/settings.ts';
import { generateRunCertificates } from '../broker/tlsCertificates.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { brokerOptionsFromConfig } from '../broker/fromConfig.ts';
import type { LogEvent } from '../console/events.ts';
import { HilError } from '../errors.ts';
import { placeWaitBudgetMs } from '../labgrid/placeLease.ts';
import { createLogger, type Logger } from '../log.ts';
import { Manager } from '../propeller/manager.ts';
import { loadPayloadCases, loadWorkloads, type LoadedPayloadCase, type LoadedWorkload } from '../propeller/workloadTable.ts';
import { Observations } from '../report/run/observations.ts';
import { runDir } from '../report/run/runDir.ts';
import { NOT_RUN, type BenchInfo } from '../report/run/summary.ts';
import type { Transport } from '../transport/transport.ts';
import type { BoardOptions } from './options.ts';

/** The last console lines and MQTT messages a failing test shows inline (the attachments hold all). */
const TAIL = 20;

/** A lab board's bring-up budget once it has its place: what a lab test may take (projects.ts). */
const LAB_BRING_UP_MS = 240_000;

/** The annotation of a test that resets or power-cuts its board on purpose. */
export const RESETS_BOARD = { type: 'resets-board', description: 'this test resets the board on purpose' };

/** The broker the board dials, and what a test may do to it. */
export interface BrokerHandle {
  /** The embedded broker, for fault injection and the MQTT trace; absent with broker.external. */
  embedded?: Broker;
  url: string;
  /** The address and port the board is provisioned with (the TLS port when its firmware dials TLS). */
  host: string;
  port: number;
  /** The manager's own login on this broker (none on an external broker that takes anonymous clients). */
  manager: { username?: string; password?: string };
}

type WorkerFixtures = BoardOptions & {
  plan: BenchPlan;
  /** How this worker's board's firmware speaks, and what it can do (harness/profiles/). */
  profile: FirmwareProfile;
  workerLog: Logger;
  settings: BenchSettings;
  broker: BrokerHandle;
  boardLease: Lease;
  board: Board;
  manager: Manager;
  workloads: Record<string, LoadedWorkload>;
  payloads: Record<string, LoadedPayloadCase>;
};

type TestFixtures = {
  boardGate: void;
  observations: Observations;
  witness: void;
};

const setupFailedFile = (boardName: string) => join(runDir(), `setup-failed-${boardName}.txt`);

/**
 * A board that failed setup is reported once: the reason is kept for the rest of the run, the
 * test that met it fails with it, and every later test of that board is marked as not run
 * because of it (boardGate) instead of repeating the whole setup (and its timeouts).
 */
async function onceOnly<T>(boardName: string, setup: () => Promise<T>): Promise<T> {
  const file = setupFailedFile(boardName);
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

const closeTime = (err?: Error) => `${new Date().toISOString()}${err ? ` (${err.message.split('\n')[0]})` : ''}`;
/** When each board's port last closed, watched for the board's life, not a test's. */
const lastClose = new WeakMap<Transport, string>();
const watched = new WeakSet<Transport>();
function watchCloses(transport: Transport): void {
  if (watched.has(transport)) return;
  watched.add(transport);
  transport.onClose((err) => lastClose.set(transport, closeTime(err)));
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

  profile: [
    async ({ plan, boardName }, use) => {
      const board = plan.boards.find((b) => b.name === boardName);
      if (!board) throw new HilError(`no board ${boardName} on the ${plan.kind} bench`, `boards: ${plan.boards.map((b) => b.name).join(', ')}`);
      await use(profileFor(plan, board));
    },
    { scope: 'worker' },
  ],

  // What the board really runs with: the suite's settings, or its firmware's own where it has no key for them.
  settings: [
    async ({ plan, profile }, use) => {
      await use(profileBenchSettings(benchSettings(plan), profile));
    },
    { scope: 'worker' },
  ],

  broker: [
    async ({ plan, boardName, profile, workerLog }, use) => {
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
      // A firmware that always dials TLS gets a TLS listener: the bench file's certificate, else
      // a CA and certificate made for this run. The manager stays on the plain port.
      const tls = profile.tls === 'always';
      const broker = await onceOnly(boardName, async () => {
        const options = brokerOptionsFromConfig(config, {
          workerIndex: plan.boards.indexOf(board),
          credentials: { [proplet.id]: proplet.apiKey, [manager.username]: manager.password },
          recordTo: join(runDir(), `mqtt-${boardName}.jsonl`),
          log: workerLog,
        });
        if (tls && !options.tls) {
          const certs = await generateRunCertificates(join(runDir(), `tls-${boardName}`), [config.advertisedHost]);
          options.tls = { cert: certs.cert, key: certs.key };
        }
        return startBroker(options);
      });
      await use({ embedded: broker, url: broker.url, host: config.advertisedHost, port: tls ? broker.tlsPort! : broker.port, manager });
      await broker.close();
    },
    { scope: 'worker' },
  ],

  manager: [
    async ({ plan, boardName, broker, workerLog }, use) => {
      const board = plan.boards.find((b) => b.name === boardName);
      const manager = new Manager({
        url: broker.url,
        tenant: plan.config.propeller.tenant,
        channel: plan.config.propeller.channel,
        client: { username: broker.manager.username, password: broker.manager.password },
        log: workerLog,
        // As the real manager: every task names the board it was scheduled on.
        wire: board ? { inputs: taskInputsFor(plan, board), propletId: boardCredentials(plan, board).id } : undefined,
      });
      await manager.ready();
      await use(manager);
      await manager.close();
    },
    { scope: 'worker' },
  ],

  // The board's host-wide lease, waited for (with a line naming the holder) while another run
  // or a hil command holds it; bounded by --lease-timeout, so its own timeout.
  boardLease: [
    async ({ plan, boardName, workerLog }, use) => {
      const config = plan.boards.find((b) => b.name === boardName)!;
      const lease = await onceOnly(boardName, async () =>
        waitForLease(await boardLockName(config, plan.configPath), {
          purpose: `hil ${plan.kind} run, pid ${process.pid}`,
          timeoutMs: leaseTimeoutMs(),
          log: workerLog,
          onWait: (line) => process.stderr.write(`hil: ${boardName}: ${line}\n`),
        }),
      );
      await use(lease);
      lease.release();
    },
    { scope: 'worker', timeout: leaseTimeoutMs() + 10_000 },
  ],

  // The board as every test starts with it: leased, then brought from off to online by the bench's strategy.
  board: [
    async ({ plan, boardName, boardLease, broker, manager, settings, workerLog }, use) => {
      const reports = runDir();
      const { board, flashed } = await onceOnly(boardName, () =>
        bringUp(plan, boardName, {
          broker,
          manager,
          settings,
          reportDir: reports,
          log: workerLog,
          lease: boardLease,
          onWait: (line) => process.stderr.write(`hil: ${boardName}: ${line}\n`),
        }),
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
    // A board behind a busy labgrid place is waited for (timeouts.placeWait) before its
    // bring-up starts: its own budget, not the first test's.
    { scope: 'worker', ...(placeWaitBudgetMs() > 0 ? { timeout: placeWaitBudgetMs() + LAB_BRING_UP_MS } : {}) },
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

  // Before any fixture touches the board: a board that failed its bring-up earlier in the run
  // has its remaining tests skipped, annotated with its reason (summary.json: notRun), so they
  // are neither failed again one by one nor counted as passed.
  boardGate: [
    async ({ boardName }, use, testInfo) => {
      const file = setupFailedFile(boardName);
      if (existsSync(file)) {
        const reason = `board ${boardName} failed its bring-up earlier in this run: ${readFileSync(file, 'utf8')}`;
        testInfo.annotations.push({ type: NOT_RUN, description: reason });
        testInfo.skip(true, `not run: ${reason}`);
      }
      await use();
    },
    { auto: true },
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
      // A board that vanishes (its port closed, its process ended) is named in the failure; one
      // lost between two tests is the next test's news, as that test meets a closed port.
      watchCloses(board.transport);
      const losses: string[] = [];
      const lostBefore = board.transport.isOpen ? undefined : (lastClose.get(board.transport) ?? 'an unknown time');
      const stopWatching = board.transport.onClose((err) => losses.push(closeTime(err)));
      await use();
      stopWatching();
      const events = board.console.events.slice(consoleMark);
      const lines = events.filter((e) => e.kind === 'line').map((e) => board.console.secrets.text(e.text));
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
      if ((lostBefore || losses.length > 0) && testInfo.status !== testInfo.expectedStatus) {
        const when = lostBefore ? `${lostBefore} before this test began` : `${losses.join(', ')} during this test`;
        throw new HilError(
          `${board.name}: the board's connection ${board.transport.url} closed at ${when}` +
            `${board.transport.isOpen ? ' (reopened since)' : ' and stayed closed: the port was lost or the board process ended'}` +
            `\nlast console lines:\n${board.console.tail(TAIL).join('\n')}`,
          `transcript: ${board.console.transcriptPath}`,
        );
      }
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
