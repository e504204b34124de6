/**
 * Leasing places from the real labgrid-coordinator and labgrid-exporter, whose places are
 * virtual boards (testLab.ts): a run acquires a place and sees its board boot over the
 * exporter's RFC 2217 port, powers it through labgrid's own driver, waits for a busy place while
 * naming the holder, and a killed run's place comes free again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { imageSet } from '../../fixtures/images.ts';
import { openBoard } from '../bench/board.ts';
import { planBench } from '../bench/plan.ts';
import { HilError } from '../errors.ts';
import { LabgridPower } from '../power/labgrid.ts';
import { requireInstalledPeer } from '../testing/peers.ts';
import { Rfc2217Transport } from '../transport/rfc2217.ts';
import { LabgridClient, type PlaceInfo } from './client.ts';
import { leasePlace } from './placeLease.ts';
import { parseLabgridTarget } from './target.ts';
import { startTestLab, type TestLab } from './testLab.ts';

const log = pino({ level: 'silent' });
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HOLD = join(REPO, 'harness', 'labgrid', 'holdPlace.ts');
const HIL = join(REPO, 'harness', 'cli', 'hil.mjs');

test.describe.configure({ mode: 'serial', timeout: 120_000 });

let lab: TestLab;
let dir: string;
const children: ChildProcess[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const bin = {
    coordinator: requireInstalledPeer('labgrid-coordinator'),
    exporter: requireInstalledPeer('labgrid-exporter'),
    client: requireInstalledPeer('labgrid-client'),
  };
  dir = mkdtempSync(join(tmpdir(), 'hil-lease-'));
  const firmware = join(dir, 'proplet.bin');
  writeFileSync(firmware, imageSet()['proplet.bin']);
  lab = await startTestLab({ boards: 2, firmware, bin, log });
  // v1 is another kind of board: a tag filter for esp32s3 must never draw it.
  await lab.client('-p', 'v1', 'set-tags', 'board=esp32c3');
});

test.afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A second run, as its own process: lines it prints, and a way to wait for one. */
function holdPlace(spec: string, waitMs = 60_000) {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLD, spec, String(waitMs)], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let pending = '';
  child.stdout!.on('data', (c: Buffer) => {
    pending += c.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const line = (key: string, timeoutMs = 60_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${key}" line within ${timeoutMs} ms; saw ${JSON.stringify(lines)}; stderr: ${stderr.slice(-500)}`)), timeoutMs);
      const check = () => {
        const found = lines.find((l) => key in l);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`exited without a "${key}" line; saw ${JSON.stringify(lines)}; stderr: ${stderr.slice(-500)}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, line, exited };
}

/** Polls the coordinator until the place satisfies `ok`, bounded. */
async function placeUntil(name: string, ok: (p: PlaceInfo) => boolean, timeoutMs: number): Promise<PlaceInfo> {
  const client = await LabgridClient.connect(lab.coordinator, { log });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const place = (await client.places()).find((p) => p.name === name)!;
      if (ok(place)) return place;
      if (Date.now() > deadline) throw new Error(`place ${name} did not reach the state within ${timeoutMs} ms: ${JSON.stringify(place)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await client.close();
  }
}

const free = (p: PlaceInfo) => p.acquired === null && p.reservedBy === null;

async function readUntil(transport: Rfc2217Transport, text: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`expected ${pattern} on ${transport.url} within ${timeoutMs} ms; saw: ${text().slice(-400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a run acquires a place by its tag, opens its serial port over RFC 2217, sees the board boot and power-cycles it through labgrid', async () => {
  const lease = await leasePlace(parseLabgridTarget(`labgrid://${lab.coordinator}?board=esp32s3`), { log, waitMs: 10_000 });
  let transport: Rfc2217Transport | undefined;
  try {
    expect(lease.place).toBe('v0');
    expect(lease.url).toBe(lab.boards[0]!.url);
    const held = await placeUntil('v0', (p) => p.acquired !== null, 5_000);
    expect(held.acquired).toBe(lease.holder);

    const { port } = new URL(lease.url.replace('rfc2217:', 'http:'));
    transport = new Rfc2217Transport(lease.url, '127.0.0.1', Number(port), { baud: lease.speed, log });
    let text = '';
    transport.onData((chunk) => (text += chunk.toString('latin1')));
    await transport.open();
    // The board booted when the lab started it; its UART kept that boot for the first client.
    await readUntil(transport, () => text, /rst:0x1 \(POWERON\)[\s\S]*Booting Zephyr/, 15_000);

    // Power through labgrid: its NetworkPowerDriver (model rest) switches the relay's outlet.
    text = '';
    await new LabgridPower(lease, transport).cycle(200);
    expect(lab.relay.switched.slice(-2)).toEqual([
      { index: 0, on: false },
      { index: 0, on: true },
    ]);
    await readUntil(transport, () => text, /rst:0x1 \(POWERON\)[\s\S]*Booting Zephyr/, 15_000);
  } finally {
    await transport?.close();
    await lease.release();
  }
  await placeUntil('v0', free, 5_000);
});

test('two runs contend for one place: the second waits, naming the holder, and gets it once the first releases', async () => {
  const spec = `labgrid://${lab.coordinator}/v0`;
  const first = holdPlace(spec);
  const held = await first.line('acquired');

  const progress: string[] = [];
  const second = leasePlace(parseLabgridTarget(spec), { log, waitMs: 60_000, progressMs: 1000, onProgress: (line) => progress.push(line) });
  await expect.poll(() => progress.length, { timeout: 20_000 }).toBeGreaterThan(0);
  expect(progress[0]).toContain(`v0 acquired by ${held.holder as string}`);

  first.child.stdin!.end();
  expect(await first.exited).toBe(0);
  const lease = await second;
  try {
    expect(lease.place).toBe('v0');
    expect(lease.holder).not.toBe(held.holder);
    expect((await placeUntil('v0', (p) => p.acquired !== null, 5_000)).acquired).toBe(lease.holder);
  } finally {
    await lease.release();
  }
  await placeUntil('v0', free, 5_000);
});

test('a bounded wait for a busy place fails with one line that names the holder', async () => {
  const spec = `labgrid://${lab.coordinator}/v0`;
  const first = holdPlace(spec);
  const held = await first.line('acquired');
  const err = await leasePlace(parseLabgridTarget(spec), { log, waitMs: 3_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('place v0 became free within 3 s');
  expect((err as HilError).message).toContain(held.holder as string);
  expect((err as HilError).message).not.toContain('\n');
  first.child.stdin!.end();
  expect(await first.exited).toBe(0);
  await placeUntil('v0', free, 5_000);
});

test('a run killed with SIGKILL leaves its place free: its labgrid session lets go', async () => {
  const run = holdPlace(`labgrid://${lab.coordinator}/v0`);
  const held = await run.line('acquired');
  expect((await placeUntil('v0', (p) => p.acquired !== null, 5_000)).acquired).toBe(held.holder);
  run.child.kill('SIGKILL');
  await run.exited;
  await placeUntil('v0', free, 10_000);
});

test('a run ended by SIGINT or SIGTERM leaves its place free', async () => {
  const runs = [
    { place: 'v0', signal: 'SIGINT' as const },
    { place: 'v1', signal: 'SIGTERM' as const },
  ].map((r) => ({ ...r, run: holdPlace(`labgrid://${lab.coordinator}/${r.place}`) }));
  for (const r of runs) await r.run.line('acquired');
  for (const r of runs) r.run.child.kill(r.signal);
  for (const r of runs) {
    await r.run.exited;
    await placeUntil(r.place, free, 10_000);
  }
});

test('a place left acquired by a dead run on this host (run and session killed together) is taken back by the next run', async () => {
  const run = holdPlace(`labgrid://${lab.coordinator}/v0`);
  const held = await run.line('acquired');
  process.kill(held.sessionPid as number, 'SIGKILL');
  run.child.kill('SIGKILL');
  await run.exited;
  // Nobody let go: labgrid keeps an acquired place acquired.
  expect((await placeUntil('v0', (p) => p.acquired !== null, 5_000)).acquired).toBe(held.holder);

  const lease = await leasePlace(parseLabgridTarget(`labgrid://${lab.coordinator}/v0`), { log, waitMs: 10_000 });
  try {
    expect(lease.place).toBe('v0');
  } finally {
    await lease.release();
  }
  await placeUntil('v0', free, 5_000);
});

test('a place the coordinator does not know is a usage error naming it', async () => {
  const err = await leasePlace(parseLabgridTarget(`labgrid://${lab.coordinator}/nosuch`), { log, waitMs: 5_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('no place matches place nosuch');
  expect((err as HilError).exitCode).toBe(2);
});

function benchFile(port: string): string {
  const path = join(dir, `bench-${Date.now()}.yaml`);
  writeFileSync(
    path,
    [
      'version: 1',
      'boards:',
      `  - { name: lab-a, chip: esp32s3, port: "${port}" }`,
      'broker: { advertisedHost: 192.168.10.2 }',
      'firmware: { image: proplet.bin }',
      'propeller: { tenant: t1, channel: c1 }',
      '',
    ].join('\n'),
  );
  return path;
}

test('hil boards lists the places the bench file can use, with who holds them', async () => {
  const run = holdPlace(`labgrid://${lab.coordinator}/v0`);
  const held = await run.line('acquired');
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [HIL, '--config', benchFile(`labgrid://${lab.coordinator}?board=esp32s3`), 'boards', '--json', '--sysfs', dir], { timeout: 60_000 });
    const out = JSON.parse(stdout) as { boards: unknown[]; labgrid: { coordinator: string; places: Record<string, unknown>[] }[] };
    expect(out.boards).toEqual([{ name: 'lab-a', port: `labgrid://${lab.coordinator}?board=esp32s3`, device: 'labgrid (places below)' }]);
    expect(out.labgrid).toEqual([
      {
        coordinator: lab.coordinator,
        places: [
          {
            coordinator: lab.coordinator,
            place: 'v0',
            tags: { board: 'esp32s3' },
            boards: ['lab-a'],
            state: `acquired by ${held.holder as string}`,
            holder: held.holder,
            serial: lab.boards[0]!.url,
            power: ['NetworkPowerPort'],
          },
        ],
      },
    ]);
  } finally {
    run.child.stdin!.end();
    await run.exited;
  }
});

test('hil boards names an unreachable coordinator in one line and still lists the rest', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [HIL, '--config', benchFile('labgrid://127.0.0.1:1/v0'), 'boards', '--sysfs', dir], { timeout: 60_000 });
  expect(stdout).toMatch(/^labgrid places on 127\.0\.0\.1:1: labgrid coordinator 127\.0\.0\.1:1 is unreachable: .+$/m);
  expect(stdout).toContain('lab-a');
});

test('a bench board on a labgrid place is leased for the run: console over the place\'s serial port, labgrid power, released on close', async () => {
  const config = benchFile(`labgrid://${lab.coordinator}?board=esp32s3`);
  writeFileSync(config, readFileSync(config, 'utf8').replace('image: proplet.bin', `image: ${join(dir, 'proplet.bin')}`).replace('propeller: { tenant: t1, channel: c1 }', 'propeller: { tenant: t1, channel: c1, proplets: { lab-a: { id: p1, apiKey: k1 } } }'));
  const plan = await planBench('lab', { HIL_CONFIG: config });
  const board = await openBoard(plan.boards[0]!, { config: plan.config, configPath: plan.configPath, transcriptPath: join(dir, 'reports', 'console-lab-a.log'), log, lease: 'hil lab run' });
  try {
    expect(board.power.kind).toBe('labgrid');
    expect(board.transport.url).toBe(lab.boards[0]!.url);
    expect((await placeUntil('v0', (p) => p.acquired !== null, 5_000)).acquired).toMatch(/:hil-\d+$/);
    const since = board.console.mark();
    await board.power.cycle(200);
    await board.console.expect('rst:0x1 (POWERON)', { timeout: 15_000, since });
  } finally {
    await board.close();
  }
  await placeUntil('v0', free, 5_000);
});
