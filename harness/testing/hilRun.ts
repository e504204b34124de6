/**
 * A real `hil test` run for tests of the CLI's own conduct (signals, two runs on one host):
 * a bench of its own in a temporary folder (bench file, board state, locks, reports), and a
 * mark in its environment by which every process the run started can be counted, wherever
 * the process tree has reparented it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Every process on this host whose environment carries the mark. */
export function marked(mark: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`HIL_TEST_MARK=${mark}`)) continue;
      found.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' ').trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Polls `probe` until it gives a value; fails saying what was awaited. */
export async function until<T>(what: string, withinMs: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + withinMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`expected ${what} within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A checkout's worth of bench: its bench file (the repository's default one) in a folder of its own. */
export function benchCheckout(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const config = readFileSync(join(REPO, 'lab.config.yaml'), 'utf8').replace('image: fixtures/build/proplet.bin', `image: ${join(REPO, 'fixtures/build/proplet.bin')}`);
  writeFileSync(join(dir, 'lab.config.yaml'), config);
  return join(dir, 'lab.config.yaml');
}

export interface HilRun {
  child: ChildProcess;
  mark: string;
  exited: Promise<number | string>;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Kills whatever of the run is left (a test's finally). */
  kill(): void;
}

export function startHil(args: string[], env: { config: string; lockDir: string; reportsDir: string; extra?: Record<string, string> }): HilRun {
  const mark = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const child = spawn(process.execPath, ['harness/cli/hil.mjs', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CI: '',
      HIL_TEST_MARK: mark,
      HIL_CONFIG: env.config,
      HIL_LOCK_DIR: env.lockDir,
      HIL_REPORTS_DIR: env.reportsDir,
      HIL_RUN_ID: undefined,
      ...env.extra,
    },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    mark,
    exited,
    output: () => output,
    kill: () => {
      for (const p of marked(mark)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
}

export const freshRoot = (what: string) => mkdtempSync(join(tmpdir(), `hil-${what}-`));
