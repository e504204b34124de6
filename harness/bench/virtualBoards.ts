/**
 * Virtual boards as the bench sees them: OS processes (`firmware/virtual/main.ts`, started by
 * path, never imported) that serve a UART on rfc2217://127.0.0.1:<port>. SIGTERM stops one
 * in order; SIGKILL is a power cut; starting it again with the same state directory (and the
 * same port, so its URL does not change) is a power-on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HilError } from '../errors.ts';
import { IMAGE_MAGIC } from '../flash/image.ts';
import type { Logger } from '../log.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BOARD_MAIN = join(REPO, 'firmware', 'virtual', 'main.ts');
const URL_LINE = /^rfc2217:\/\/127\.0\.0\.1:(\d+)$/;
/** tsx compiles the board on first start; a loaded 2-core CI runner needs the margin. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL_LINES = 20;

export interface VirtualBoardOptions {
  /** The board's state directory: flash.bin and identity.json live here. */
  stateDir: string;
  /** An image written at 0x0 before power-on, as if flashed. */
  firmware?: string;
  /** Wire timing at the UART's baud (benchmarks). */
  pace?: boolean;
  /** BOOT held down: every reset enters download mode. */
  strapDownload?: boolean;
  /** Fixed TCP port; 0 or absent picks a free one. */
  port?: number;
  startTimeoutMs?: number;
}

export class VirtualBoard {
  private child?: ChildProcess;
  private exit?: Promise<void>;
  private stderrTail: string[] = [];
  private port = 0;
  private meant = false;
  private readonly deathListeners = new Set<(why: string) => void>();

  private constructor(
    private readonly opts: VirtualBoardOptions,
    private readonly log?: Logger,
  ) {
    this.port = opts.port ?? 0;
  }

  /** Starts the board process and resolves once it listens. */
  static async start(opts: VirtualBoardOptions, log?: Logger): Promise<VirtualBoard> {
    const board = new VirtualBoard(opts, log);
    await board.launch(opts.firmware);
    return board;
  }

  /** `rfc2217://127.0.0.1:<port>`: the same across power cuts. */
  get url(): string {
    return `rfc2217://127.0.0.1:${this.port}`;
  }

  get stateDir(): string {
    return this.opts.stateDir;
  }

  /** No application image at 0x0 of its flash: the ROM will say "invalid header" and stop. */
  get blank(): boolean {
    const flash = join(this.opts.stateDir, 'flash.bin');
    if (!existsSync(flash)) return true;
    const first = Buffer.alloc(1);
    const fd = openSync(flash, 'r');
    try {
      readSync(fd, first, 0, 1, 0);
    } finally {
      closeSync(fd);
    }
    return first[0] !== IMAGE_MAGIC;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /**
   * Calls the listener when the board's process ends without being told to (not by stop() or
   * powerOff()), with how it ended and its last output; returns the function that stops it.
   */
  onUnexpectedExit(listener: (why: string) => void): () => void {
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  /** Orderly stop (SIGTERM), escalating to SIGKILL if the process does not go. */
  async stop(): Promise<void> {
    const { child, exit } = this;
    if (!child || !exit) return;
    this.meant = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  }

  /** A power cut: SIGKILL, no chance to flush or say goodbye. Flash keeps what was acknowledged. */
  async powerOff(): Promise<void> {
    const { child, exit } = this;
    if (!child || !exit) return;
    this.meant = true;
    child.kill('SIGKILL');
    await exit;
  }

  /** Power back on: the same state directory and port; the flash decides what boots. */
  async powerOn(): Promise<void> {
    if (this.child) return;
    await this.launch(undefined);
  }

  private launch(firmware: string | undefined): Promise<void> {
    const { opts } = this;
    mkdirSync(opts.stateDir, { recursive: true });
    const args = ['--import', 'tsx', BOARD_MAIN, '--state', resolve(opts.stateDir), '--port', String(this.port)];
    if (firmware) args.push('--firmware', resolve(firmware));
    if (opts.pace) args.push('--pace');
    if (opts.strapDownload) args.push('--strap', 'download');
    // cwd = the repository, so that `--import tsx` resolves from its node_modules.
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stderrTail = [];
    this.meant = false;
    this.exit = new Promise((done) =>
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!this.meant) {
          const why = `exited (${signal ?? `code ${code}`}); last output: ${this.stderrTail.slice(-3).join(' | ') || 'none'}`;
          for (const listener of [...this.deathListeners]) listener(why);
        }
        done();
      }),
    );
    let pending = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        this.stderrTail.push(line);
        this.log?.debug({ board: opts.stateDir }, line);
      }
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_TAIL_LINES));
    });
    const timeoutMs = opts.startTimeoutMs ?? START_TIMEOUT_MS;
    return new Promise<void>((ready, fail) => {
      let stdout = '';
      const settle = () => {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.stdout!.off('data', onStdout);
      };
      const failWith = (what: string) => {
        settle();
        child.kill('SIGKILL');
        const tail = this.stderrTail.join(' | ') || 'no output';
        fail(new HilError(`virtual board ${opts.stateDir} ${what}: ${tail}`, 'run the board by hand: node --import tsx firmware/virtual/main.ts --state DIR'));
      };
      const onEarlyExit = (code: number | null, signal: string | null) => failWith(`exited (${code ?? signal}) before listening`);
      // The first stdout line is the URL; nothing else is ever printed there.
      const onStdout = (chunk: Buffer) => {
        stdout += chunk.toString();
        const end = stdout.indexOf('\n');
        if (end < 0) return;
        const line = stdout.slice(0, end);
        const match = URL_LINE.exec(line);
        if (!match) return failWith(`printed "${line}" instead of its URL`);
        settle();
        this.port = Number(match[1]);
        ready();
      };
      const timer = setTimeout(() => failWith(`printed no rfc2217 URL within ${timeoutMs} ms`), timeoutMs);
      child.once('exit', onEarlyExit);
      child.stdout!.on('data', onStdout);
    });
  }
}

export interface VirtualBenchOptions {
  boards: number;
  /** Parent of the boards' state directories (v0, v1, … inside, as lab.config.yaml names them). */
  stateRoot: string;
  firmware?: string;
  pace?: boolean;
}

/** Starts `boards` boards side by side; if one fails, the others are stopped again. */
export async function startVirtualBoards(opts: VirtualBenchOptions, log?: Logger): Promise<VirtualBoard[]> {
  const started = await Promise.allSettled(
    Array.from({ length: opts.boards }, (_, i) =>
      VirtualBoard.start({ stateDir: join(opts.stateRoot, `v${i}`), firmware: opts.firmware, pace: opts.pace }, log),
    ),
  );
  const boards = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(boards.map((b) => b.stop()));
    throw failed.reason;
  }
  return boards;
}
