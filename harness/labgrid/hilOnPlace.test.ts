/**
 * The harness run as a user runs it, on boards from a labgrid lab: the real `hil test` and
 * `hil flash` CLIs against the real labgrid-coordinator and labgrid-exporter (testLab.ts), whose
 * places are virtual boards with a NetworkSerialPort (their RFC 2217 port) and a
 * NetworkPowerPort on a REST relay that cuts their power. The whole suite runs on a place
 * leased by tag, powered through labgrid; a second run for the same place waits, naming the
 * holder, and passes after it; a run killed with SIGKILL lets its place go; hil flash --port
 * labgrid://… acquires, flashes through the exporter's port and releases.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { requireInstalledPeer } from '../testing/peers.ts';
import { freshRoot, marked, REPO, startHil, until, type HilRun } from '../testing/hilRun.ts';
import { LabgridClient, type PlaceInfo } from './client.ts';
import { startTestLab, type TestLab } from './testLab.ts';

const log = pino({ level: 'silent' });
const BOOT_SPEC = 'specs/boot.spec.ts';

test.describe.configure({ mode: 'serial' });

let lab: TestLab;
let root: string;
let watch: PlaceWatch;
/** One host: one lock folder for every run, as on a CI runner. */
let lockDir: string;
let advertised: string;

/**
 * Every holder the coordinator reports for each place, in order (null when free), polled over
 * one session for as long as the file runs: what other clients of the lab saw.
 */
class PlaceWatch {
  readonly seen = new Map<string, (string | null)[]>();
  readonly latest = new Map<string, PlaceInfo>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly client: LabgridClient) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        for (const place of await this.client.places()) {
          this.latest.set(place.name, place);
          const history = this.seen.get(place.name) ?? [];
          if (history.length === 0 || history.at(-1) !== place.acquired) history.push(place.acquired);
          this.seen.set(place.name, history);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }

  /** The holders of a place seen since the given point in its history. */
  holders(place: string, since = 0): string[] {
    return (this.seen.get(place) ?? []).slice(since).filter((h): h is string => h !== null);
  }

  mark(place: string): number {
    return (this.seen.get(place) ?? []).length;
  }

  current(place: string): string | null | undefined {
    return this.seen.get(place)?.at(-1);
  }

  /** Neither acquired nor allocated to a reservation. */
  free(place: string): boolean {
    const info = this.latest.get(place);
    return info !== undefined && info.acquired === null && info.reservedBy === null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.client.close();
  }
}

/** This host as a board on the lab's network would dial it: real boards cannot reach loopback. */
function hostAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const bin = {
    coordinator: requireInstalledPeer('labgrid-coordinator'),
    exporter: requireInstalledPeer('labgrid-exporter'),
    client: requireInstalledPeer('labgrid-client'),
  };
  const address = hostAddress();
  if (!address) {
    const reason = 'needs a non-loopback IPv4 address on this host for the boards to dial the broker at';
    if (process.env.CI === 'true') throw new Error(`CI host lacks what this test needs — ${reason}`);
    test.skip(true, reason);
  }
  advertised = address!;
  root = freshRoot('labgrid-runs');
  lockDir = join(root, 'locks');
  lab = await startTestLab({ boards: 2, bin, log });
  // v1 is another kind of board: the suite's tag filter must draw v0.
  await lab.client('-p', 'v1', 'set-tags', 'board=esp32c3');
  watch = new PlaceWatch(await LabgridClient.connect(lab.coordinator, { log }));
  watch.start();
});

test.afterAll(async () => {
  await watch?.stop();
  await lab?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A bench file of its own checkout, whose one board is the given labgrid port. */
function labBench(name: string, port: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'lab.config.yaml');
  writeFileSync(
    path,
    [
      'version: 1',
      'boards:',
      `  - { name: lab-a, chip: esp32s3, port: "${port}", reset: classic }`,
      `broker: { bind: ${advertised}, advertisedHost: ${advertised}, auth: true }`,
      `firmware: { image: ${join(REPO, 'fixtures/build/proplet.bin')}, expectVersion: 1.0.0 }`,
      'propeller:',
      '  tenant: 0f3a6c1e-5d0b-4a8e-9c59-2d1f6e0b7a10',
      '  channel: 6d2b1c4e-8f7a-4b3d-a1e2-9c0d5f6a7b8c',
      '  proplets:',
      '    lab-a: { id: 5b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e, apiKey: lab-a-key }',
      // A short keep-alive, as the virtual bench uses, so that the LWT specs take seconds.
      'timeouts: { boot: 15000, flash: 180000, mqttConnect: 20000, task: 10000, keepAlive: 3000, placeWait: 360000 }',
      '',
    ].join('\n'),
  );
  return path;
}

function run(name: string, args: string[], port: string): HilRun {
  return startHil(args, { config: labBench(name, port), lockDir, reportsDir: join(root, name, 'reports') });
}

/** The one summary.json a run wrote. */
function summaryOf(name: string): { tests: { title: string; verdict: string }[]; boards: { name: string; transport: string }[] } {
  const reports = join(root, name, 'reports');
  const dirs = readdirSync(reports).filter((d) => existsSync(join(reports, d, 'summary.json')));
  expect(dirs, `run folders in ${reports}`).toHaveLength(1);
  return JSON.parse(readFileSync(join(reports, dirs[0]!, 'summary.json'), 'utf8'));
}

/** The holder the coordinator names is one of this run's own processes (a worker of its Playwright). */
function heldBy(r: HilRun, holder: string): boolean {
  const pid = Number(/:hil-(\d+)$/.exec(holder)?.[1]);
  return marked(r.mark).some((p) => p.pid === pid);
}

/** The run's exit code; a run still going after `withinMs` hangs, and fails the test saying so. */
async function exited(r: HilRun, what: string, withinMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const hung = Symbol('hung');
  const outcome = await Promise.race([r.exited, new Promise<typeof hung>((resolve) => (timer = setTimeout(() => resolve(hung), withinMs)))]);
  clearTimeout(timer);
  if (outcome === hung) throw new Error(`${what} still running after ${withinMs / 1000} s; its output:\n${r.output().slice(-4000)}`);
  return outcome;
}

test('the whole suite runs on a place leased by tag, powered through labgrid; a second run for that place waits, naming the holder, and passes after it', async () => {
  test.setTimeout(600_000);
  const first = run('first', ['test', '--lab'], `labgrid://${lab.coordinator}?board=esp32s3`);
  let second: HilRun | undefined;
  try {
    const since = watch.mark('v0');
    const holder = await until('the first run holding place v0', 120_000, () => {
      const h = watch.current('v0');
      return h && heldBy(first, h) ? h : undefined;
    });
    expect(watch.current('v1')).toBeNull();

    // Another checkout on this host names the same place: the coordinator, not a host lock, keeps them apart.
    // Its tests get 60 s each, less than its wait: the wait is the board fixture's own budget
    // (timeouts.placeWait), not its first test's.
    second = run('second', ['test', '--lab', '--', BOOT_SPEC, '--timeout=60000'], `labgrid://${lab.coordinator}/v0`);
    const waiting = await until('the second run saying whom it waits for', 120_000, () =>
      /hil: lab-a: waiting for labgrid place v0 on \S+: v0 acquired by \S+/.exec(second!.output())?.[0],
    );
    expect(waiting).toBe(`hil: lab-a: waiting for labgrid place v0 on ${lab.coordinator}: v0 acquired by ${holder}`);

    expect(await exited(first, 'the suite run', 480_000), first.output().slice(-4000)).toBe(0);
    expect(await exited(second, 'the waiting run', 180_000), second.output().slice(-4000)).toBe(0);

    const suite = summaryOf('first');
    expect(suite.boards).toEqual([{ name: 'lab-a', transport: lab.boards[0]!.url, mac: expect.any(String) }]);
    const failed = suite.tests.filter((t) => t.verdict !== 'passed' && t.verdict !== 'skipped');
    expect(failed, 'tests of the suite run that did not pass').toEqual([]);
    expect(suite.tests.filter((t) => t.verdict === 'passed').length).toBeGreaterThan(40);
    // The waiting run's tests (the boot spec's) all ran on the place, and passed.
    const secondVerdicts = summaryOf('second').tests.map((t) => t.verdict);
    expect(secondVerdicts.length, 'tests of the waiting run').toBeGreaterThan(0);
    expect(secondVerdicts.filter((v) => v !== 'passed'), 'tests of the waiting run that did not pass').toEqual([]);

    // v0 went from the first run to the second, and is free again; v1 was never touched.
    const holders = watch.holders('v0', since);
    expect(holders[0]).toBe(holder);
    expect(holders.length, `holders of v0: ${holders.join(', ')}`).toBe(2);
    expect(holders[1]).not.toBe(holder);
    await until('place v0 free after both runs', 15_000, () => (watch.free('v0') ? true : undefined));
    expect(watch.holders('v1')).toEqual([]);
    // The suite's power cuts went through labgrid's driver to the place's relay outlet.
    expect(lab.relay.switched.filter((s) => s.index === 0 && !s.on).length).toBeGreaterThanOrEqual(2);
    expect(lab.relay.switched.filter((s) => s.index === 0 && s.on).length).toBeGreaterThanOrEqual(2);
    expect(lab.relay.switched.filter((s) => s.index === 1)).toEqual([]);
  } finally {
    first.kill();
    second?.kill();
  }
});

test('a run killed with SIGKILL lets its place go: the next client finds it free, and nothing of the run is left', async () => {
  test.setTimeout(180_000);
  const killed = run('killed', ['test', '--lab', '--', BOOT_SPEC], `labgrid://${lab.coordinator}/v0`);
  try {
    await until('the run holding place v0', 120_000, () => {
      const h = watch.current('v0');
      return h && heldBy(killed, h) ? true : undefined;
    });
    killed.child.kill('SIGKILL');
    // Released and its reservation cancelled, not merely left to expire.
    await until('place v0 free (released, no reservation) after the kill', 20_000, () => (watch.free('v0') ? true : undefined));
    await until('every process of the killed run gone', 20_000, () => (marked(killed.mark).length === 0 ? true : undefined));
  } finally {
    killed.kill();
  }
});

test('hil flash --port labgrid://…/place acquires the place, writes through the exporter\'s serial port, boots it and releases it', async () => {
  test.setTimeout(180_000);
  const since = watch.mark('v1');
  const flash = run('flash', ['flash', '--port', `labgrid://${lab.coordinator}/v1`, '--force', join(REPO, 'fixtures/build/proplet.bin')], `labgrid://${lab.coordinator}/v1`);
  try {
    expect(await exited(flash, 'hil flash', 150_000), flash.output().slice(-4000)).toBe(0);
    const out = flash.output();
    expect(out).toContain(`acquired labgrid place v1 (${lab.boards[1]!.url})`);
    expect(out).toMatch(/: proplet @0x0 \d+ B written and verified/);
    expect(out).toMatch(/: booted Zephyr \S+ version 1\.0\.0/);
    expect(out).toContain('released labgrid place v1');
    const holders = watch.holders('v1', since);
    expect(holders, 'holders of v1 during the flash').toHaveLength(1);
    expect(holders[0]).toMatch(/:hil-\d+$/);
    await until('place v1 free after the flash', 15_000, () => (watch.free('v1') ? true : undefined));
  } finally {
    flash.kill();
  }
});
