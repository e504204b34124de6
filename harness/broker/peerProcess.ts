import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HilError } from '../errors.ts';

/**
 * Standard MQTT clients run as their own processes, for interop tests of the broker:
 * Debian's mosquitto_pub/mosquitto_sub and mqtt.js's command line (`mqtt pub`, `mqtt sub`).
 */

/** argv that runs mqtt.js's own CLI with this Node. */
export function mqttJsCli(...args: string[]): [string, string[]] {
  // The package's exports map hides its bin; it sits beside the main entry (build/index.js).
  const bin = join(dirname(createRequire(import.meta.url).resolve('mqtt')), 'bin', 'mqtt.js');
  return [process.execPath, [bin, ...args]];
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A client process whose output can be awaited line by line. */
export class PeerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<Finished>;

  constructor(
    readonly command: string,
    readonly args: string[],
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.stderr += String(err);
        resolve({ code: -1, stdout: this.stdout, stderr: this.stderr });
      });
      this.child.on('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  private describe(): string {
    return `${this.command} ${this.args.join(' ')}`;
  }

  /** Resolves once stdout contains the text. */
  async waitForOutput(text: string, timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.stdout.includes(text)) {
      if (Date.now() > deadline) {
        throw new HilError(`${this.describe()} did not print "${text}" within ${timeout} ms; stdout: ${JSON.stringify(this.stdout)} stderr: ${JSON.stringify(this.stderr)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves when the process ends; kills it and fails after the timeout. */
  async finished(timeout: number): Promise<Finished> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new HilError(`${this.describe()} still running after ${timeout} ms; stdout: ${JSON.stringify(this.stdout)} stderr: ${JSON.stringify(this.stderr)}`));
      }, timeout);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<Finished> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a client to its end. */
export function runPeer(command: string, args: string[], timeout = 10_000): Promise<Finished> {
  return new PeerProcess(command, args).finished(timeout);
}
