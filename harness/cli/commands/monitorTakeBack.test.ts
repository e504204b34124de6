/**
 * `hil monitor` on a board from `hil virtual start` losing its port to another client (the
 * virtual board's RFC 2217 server lets a new connection replace the old one) and taking it
 * back: real processes, the lines a user sees, exit codes, nothing left running.
 */
import net from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { boardLockName } from '../../bench/boardLock.ts';
import { acquireLease } from '../../bench/lease.ts';
import { freshRoot, marked, REPO, startHil, until, type HilRun } from '../../testing/hilRun.ts';

test.describe.configure({ timeout: 120_000 });

const IMAGE = join(REPO, 'fixtures/build/proplet.bin');
const URL_LINE = /^rfc2217:\/\/127\.0\.0\.1:\d+$/m;

interface Bench {
  root: string;
  url: string;
  board: HilRun;
  env: { config: string; lockDir: string; reportsDir: string; extra: Record<string, string> };
  runs: HilRun[];
}

async function virtualBench(what: string): Promise<Bench> {
  const root = freshRoot(what);
  const env = { config: join(REPO, 'lab.config.yaml'), lockDir: join(root, 'locks'), reportsDir: join(root, 'reports'), extra: { HIL_LOG_LEVEL: 'info' } };
  const board = startHil(['virtual', 'start', '--boards', '1', '--firmware', IMAGE, '--state', join(root, 'state')], env);
  const url = await until('the board URL', 60_000, () => URL_LINE.exec(board.output())?.[0]);
  return { root, url, board, env, runs: [board] };
}

function hil(bench: Bench, args: string[]): HilRun {
  const run = startHil(args, bench.env);
  bench.runs.push(run);
  return run;
}

function cleanUp(bench: Bench | undefined): void {
  if (!bench) return;
  for (const run of bench.runs) run.kill();
  rmSync(bench.root, { recursive: true, force: true });
}

const count = (text: string, what: string) => text.split(what).length - 1;

/** Another client takes the port: a bare TCP connection replaces the monitor's. */
async function takePort(url: string): Promise<net.Socket> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  return socket;
}

async function monitoring(bench: Bench, extra: string[] = []): Promise<HilRun> {
  const monitor = hil(bench, ['monitor', bench.url, '--transcript', join(bench.root, `monitor-${bench.runs.length}.log`), ...extra]);
  await until('the boot from the reset on open', 30_000, () => (count(monitor.output(), 'Starting Proplet') >= 1 ? true : undefined)).catch(() => {
    throw new Error(`the monitor showed no boot; its output:\n${monitor.output()}`);
  });
  return monitor;
}

async function ended(run: HilRun, withinMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`still running after ${withinMs} ms`), withinMs)));
  return Promise.race([run.exited, late]).finally(() => clearTimeout(timer));
}

test('hil flash on the port of a monitored board: the monitor says who took the port, takes it back after the flash and shows the boot', async () => {
  let bench: Bench | undefined;
  try {
    bench = await virtualBench('monitor-flash');
    const monitor = await monitoring(bench);
    const flash = hil(bench, ['flash', '--port', bench.url, '--force', IMAGE]);
    expect(await flash.exited, flash.output()).toBe(0);
    const out = () => monitor.output();
    const taken = out().split('\n').filter((l) => l.includes('port taken by another client'));
    expect(taken, `one line names the flash as the taker; monitor output:\n${out()}`).toHaveLength(1);
    expect(taken[0]).toContain(`pid ${flash.child.pid} on `);
    expect(taken[0]).toContain('(hil flash, pid');
    expect(taken[0]).toContain('taking it back when it is free');
    await until('the monitor to take the port back', 20_000, () => (out().includes('took the port back') ? true : undefined)).catch(() => {
      throw new Error(`the monitor did not take the port back; its output:\n${out()}`);
    });
    const back = out().indexOf('took the port back');
    await until('a boot after taking the port back', 20_000, () => (out().indexOf('Starting Proplet', back) > back ? true : undefined)).catch(() => {
      throw new Error(`no boot after the monitor came back; its output:\n${out()}`);
    });
    expect(monitor.child.exitCode, 'the monitor is still running').toBeNull();
    monitor.child.kill('SIGINT');
    expect(await ended(monitor, 10_000), out()).toBe(0);
    expect(marked(monitor.mark), 'nothing of the monitor left').toEqual([]);
    expect(bench.board.child.exitCode, `the board is still up: ${bench.board.output()}`).toBeNull();
  } finally {
    cleanUp(bench);
  }
});

test('a client outside the harness takes the port: the monitor reconnects; when the board goes, it gives up after bounded retries with exit 1', async () => {
  let bench: Bench | undefined;
  try {
    bench = await virtualBench('monitor-lost');
    const monitor = await monitoring(bench);
    const other = await takePort(bench.url);
    await until('the monitor to take the port back', 20_000, () => (monitor.output().includes('took the port back') ? true : undefined)).catch(() => {
      throw new Error(`the monitor did not take the port back; its output:\n${monitor.output()}`);
    });
    const back = monitor.output().indexOf('took the port back');
    await until('a boot after taking the port back', 20_000, () => (monitor.output().indexOf('Starting Proplet', back) > back ? true : undefined));
    other.destroy();
    expect(monitor.output()).toContain('the server closed the connection (another client took the port, or the server restarted); reconnecting');

    const started = Date.now();
    bench.board.child.kill('SIGTERM');
    expect(await bench.board.exited).toBe(0);
    expect(await ended(monitor, 30_000), monitor.output()).toBe(1);
    const seconds = (Date.now() - started) / 1000;
    expect(monitor.output()).toMatch(/could not take the port back after 6 attempts: .*refused/);
    expect(count(monitor.output(), 'cannot reconnect yet'), 'a progress line per retry').toBe(5);
    expect(seconds, 'the retries are bounded (15.5 s of pauses)').toBeLessThan(25);
    expect(marked(monitor.mark)).toEqual([]);
  } finally {
    cleanUp(bench);
  }
});

test('while a run holds the board the monitor waits for it, naming the holder; --lease-timeout bounds the wait and Ctrl-C ends it at once', async () => {
  let bench: Bench | undefined;
  let lease: { release(): void } | undefined;
  try {
    bench = await virtualBench('monitor-held');
    lease = acquireLease(await boardLockName({ name: 'any', port: bench.url }, bench.env.config), { purpose: 'a test run holding the board', dir: bench.env.lockDir });

    const bounded = await monitoring(bench, ['--lease-timeout', '2']);
    const socket = await takePort(bench.url);
    expect(await ended(bounded, 15_000), bounded.output()).toBe(1);
    expect(bounded.output()).toContain(`port taken by another client: pid ${process.pid} on `);
    expect(bounded.output()).toMatch(/still in use by pid \d+ .*a test run holding the board.* after 2 s/);
    socket.destroy();

    const waiting = await monitoring(bench);
    const again = await takePort(bench.url);
    await until('the holder named', 10_000, () => (waiting.output().includes('port taken by another client') ? true : undefined));
    const stop = Date.now();
    waiting.child.kill('SIGINT');
    expect(await ended(waiting, 5000), waiting.output()).toBe(0);
    expect(Date.now() - stop, 'Ctrl-C ends the wait at once').toBeLessThan(3000);
    expect(waiting.output()).not.toContain('took the port back');
    expect(marked(waiting.mark)).toEqual([]);
    again.destroy();
  } finally {
    lease?.release();
    cleanUp(bench);
  }
});

test('a newer hil monitor on the port wins and the older one ends with one line; a client that keeps taking the port ends the monitor', async () => {
  let bench: Bench | undefined;
  try {
    bench = await virtualBench('monitor-two');
    const older = await monitoring(bench);
    const newer = await monitoring(bench);
    expect(await ended(older, 10_000), older.output()).toBe(1);
    expect(older.output()).toMatch(new RegExp(`port taken by another hil monitor: pid ${newer.child.pid} on .*\\(hil monitor, pid ${newer.child.pid}, since .*\\); this one ends`));
    expect(older.output()).not.toContain('took the port back');
    expect(marked(older.mark)).toEqual([]);

    // A client outside the harness that takes the port again each time the monitor takes it back.
    for (let i = 1; i <= 3; i++) {
      await until(`the monitor back (${i})`, 20_000, () => (count(newer.output(), 'took the port back') >= i - 1 ? true : undefined));
      (await takePort(bench.url)).on('close', () => {});
      if (i < 3) await until(`the monitor to see loss ${i}`, 10_000, () => (count(newer.output(), 'the server closed the connection') >= i ? true : undefined));
    }
    expect(await ended(newer, 10_000), newer.output()).toBe(1);
    expect(newer.output()).toMatch(/another client keeps taking the port \(3 times in 60 s\); this monitor ends/);
    expect(marked(newer.mark)).toEqual([]);
  } finally {
    cleanUp(bench);
  }
});
