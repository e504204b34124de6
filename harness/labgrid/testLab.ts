/**
 * A labgrid lab on loopback for tests: the real labgrid-coordinator and labgrid-exporter (from
 * .ci/install-peers), exporting virtual boards as places. Each place has the board's
 * NetworkSerialPort (its RFC 2217 port) and a NetworkPowerPort of model `rest` on a relay
 * (restRelay.ts) that cuts and restores the virtual board's power. Free ports, a temporary
 * directory, bounded start-up; stop() kills what it started.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log.ts';
import { startVirtualBoards, type VirtualBoard } from '../bench/virtualBoards.ts';
import { LabgridClient } from './client.ts';
import { startRestRelay, type RestRelay } from './restRelay.ts';

const run = promisify(execFile);
const START_TIMEOUT_MS = 30_000;

export interface TestLab {
  /** host:port of the coordinator. */
  readonly coordinator: string;
  /** Place names, one per board: v0, v1, … */
  readonly places: string[];
  readonly boards: VirtualBoard[];
  readonly relay: RestRelay;
  readonly exporterName: string;
  /** labgrid-client with the lab's coordinator, e.g. client('-p', 'v0', 'show'). */
  client(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface TestLabOptions {
  boards: number;
  /** An image the boards boot (written at 0x0 before power-on). */
  firmware?: string;
  /** Tags every place gets (default board=esp32s3). */
  tags?: Record<string, string>;
  bin: { coordinator: string; exporter: string; client: string };
  log: Logger;
}

/** Starts a peer and resolves once a line of its output matches `ready`. */
function startPeer(command: string, args: string[], opts: { cwd: string; ready: RegExp; what: string }): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${opts.what} ${why}; its last output: ${seen.slice(-8).join(' | ') || 'none'}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        seen.push(line);
        const match = opts.ready.exec(line);
        if (match) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ child, match });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

async function stopPeer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startTestLab(opts: TestLabOptions): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-labgrid-'));
  const exporterName = `hil-test-${process.pid}`;
  const places = Array.from({ length: opts.boards }, (_, i) => `v${i}`);
  const tags = opts.tags ?? { board: 'esp32s3' };
  let boards: VirtualBoard[] = [];
  let relay: RestRelay | undefined;
  let coordinator: ChildProcess | undefined;
  let exporter: ChildProcess | undefined;
  const stop = async () => {
    await stopPeer(exporter);
    await stopPeer(coordinator);
    await relay?.close();
    await Promise.all(boards.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    boards = await startVirtualBoards({ boards: opts.boards, stateRoot: join(dir, 'boards'), firmware: opts.firmware }, opts.log);
    relay = await startRestRelay(boards.map((b) => ({ on: () => b.powerOn(), off: () => b.powerOff(), isOn: () => b.running })));
    // Port 0: the coordinator binds a free port and prints it ("listening on host:port").
    const started = await startPeer(opts.bin.coordinator, ['-l', '127.0.0.1:0'], { cwd: dir, ready: /^listening on (\S+):(\d+)$/, what: 'labgrid-coordinator' });
    coordinator = started.child;
    const address = `127.0.0.1:${started.match[2]}`;
    const groups = boards.map((board, i) => {
      const port = new URL(board.url.replace('rfc2217:', 'http:')).port;
      return [
        `${places[i]}:`,
        '  NetworkSerialPort:',
        '    host: 127.0.0.1',
        `    port: ${port}`,
        '    speed: 115200',
        '    protocol: rfc2217',
        '  NetworkPowerPort:',
        '    model: rest',
        `    host: '${relay!.urlTemplate}'`,
        `    index: ${i}`,
      ].join('\n');
    });
    writeFileSync(join(dir, 'exporter.yaml'), `${groups.join('\n')}\n`);
    exporter = (
      await startPeer(opts.bin.exporter, ['-c', address, '-n', exporterName, '--hostname', '127.0.0.1', 'exporter.yaml'], {
        cwd: dir,
        ready: /^Exporter ready$/,
        what: 'labgrid-exporter',
      })
    ).child;
    const client = async (...args: string[]) => (await run(opts.bin.client, ['-x', address, ...args], { cwd: dir, timeout: START_TIMEOUT_MS })).stdout;
    const tagArgs = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
    // Places as a lab admin makes them: a name, a match on the exporter's group, tags.
    await Promise.all(
      places.map(async (place) => {
        await client('-p', place, 'create');
        await client('-p', place, 'add-match', `${exporterName}/${place}/*`);
        if (tagArgs.length > 0) await client('-p', place, 'set-tags', ...tagArgs);
      }),
    );
    await waitForResources(address, places, opts.log);
    return { coordinator: address, places, boards, relay, exporterName, client, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The exporter's resources reach the coordinator shortly after it says it is ready. */
async function waitForResources(address: string, places: string[], log: Logger): Promise<void> {
  const session = await LabgridClient.connect(address, { log });
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const known = await session.places();
      const ready = places.every((name) => (known.find((p) => p.name === name)?.resources.filter((r) => r.avail).length ?? 0) >= 2);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`labgrid places ${places.join(', ')} did not show their resources within ${START_TIMEOUT_MS / 1000} s: ${JSON.stringify(known)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await session.close();
  }
}
