import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the flasher's tests stand on: the fixture images, and virtual boards started as the
 * processes the bench starts (`firmware/virtual/main.ts`), never imported: the tests reach
 * them over RFC 2217 or the raw TCP UART, exactly as a real board is reached.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export function fixture(name: string): string {
  return join(ROOT, 'fixtures', 'build', name);
}

/** `npm test` builds fixtures/build first; a single test file run builds them when missing. */
export function ensureFixtures(): void {
  if (existsSync(fixture('proplet-1m.bin'))) return;
  execFileSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
}

export interface TestBoard {
  url: string;
  /** The raw UART's TCP port (with `rawPort`), for a pty bridge. */
  rawPort?: number;
  stateDir: string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export interface TestBoardOptions {
  /** Reuse a state directory (a power-on of the same board); a fresh one otherwise. */
  stateDir?: string;
  strapDownload?: boolean;
  rawPort?: boolean;
  firmware?: string;
  /** The board's USB-UART bridge goes no faster than this (the virtual board's --max-baud). */
  maxBaud?: number;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startBoard(options: TestBoardOptions = {}): Promise<TestBoard> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'hil-flash-board-'));
  const args = ['--import', 'tsx', 'firmware/virtual/main.ts', '--state', stateDir];
  if (options.strapDownload) args.push('--strap', 'download');
  if (options.rawPort) args.push('--raw-port', '0');
  if (options.firmware) args.push('--firmware', options.firmware);
  if (options.maxBaud) args.push('--max-baud', String(options.maxBaud));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that times out never reaches its finally: the board must not outlive the worker.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<{ url: string; rawPort?: number }>((resolve, reject) => {
    const check = () => {
      const url = /^(rfc2217:\/\/\S+)$/m.exec(stdout)?.[1];
      const raw = /raw UART on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
      if (url && (!options.rawPort || raw)) resolve({ url, ...(raw ? { rawPort: Number(raw) } : {}) });
    };
    child.stdout!.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
    child.stderr!.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
    child.once('exit', (code) => reject(new Error(`virtual board exited (${code}) before listening: ${stderr.trim().slice(-300)}`)));
    timer = setTimeout(() => reject(new Error(`virtual board did not print its URL within ${START_TIMEOUT_MS} ms: ${stderr.trim().slice(-300)}`)), START_TIMEOUT_MS);
  }).finally(() => clearTimeout(timer));
  try {
    const { url, rawPort } = await ready;
    return {
      url,
      ...(rawPort !== undefined ? { rawPort } : {}),
      stateDir,
      stop: async () => {
        child.kill('SIGTERM');
        await exited(child);
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Removes a state directory made by startBoard. */
export function removeState(board: TestBoard): void {
  rmSync(board.stateDir, { recursive: true, force: true });
}
