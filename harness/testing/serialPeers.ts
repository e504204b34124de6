import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../log.ts';

/** Real peers for the transport tests: a socat pty pair and ser2net serving one end of it. */

export interface PtyPair {
  /** The end the code under test opens. */
  a: string;
  /** The far end, standing in for the board. */
  b: string;
  stop(): Promise<void>;
}

/** Polls until ready() holds; every wait in a test is bounded. */
export async function until(what: string, ready: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** socat links the two ptys at the paths given (or in a fresh temporary directory). */
export async function startPtyPair(links?: { a: string; b: string }): Promise<PtyPair> {
  const dir = links ? undefined : await mkdtemp(path.join(os.tmpdir(), 'hil-pty-'));
  const a = links?.a ?? path.join(dir!, 'a');
  const b = links?.b ?? path.join(dir!, 'b');
  const { child, exited } = spawnTied('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await until(`socat to link ${a} and ${b}`, async () => (await exists(a)) && (await exists(b)));
  return {
    a,
    b,
    async stop() {
      await stopChild(child, exited);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago (bind port 0, close, reuse the number). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Ser2net {
  port: number;
  stop(): Promise<void>;
}

/** ser2net 4 in the foreground, serving `device` as RFC 2217 on loopback. */
export async function startSer2net(device: string): Promise<Ser2net> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hil-ser2net-'));
  const port = await freePort();
  const config = path.join(dir, 'ser2net.yaml');
  await writeFile(
    config,
    ['connection: &board', `  accepter: telnet(rfc2217),tcp,127.0.0.1,${port}`, `  connector: serialdev,${device},115200n81,local`, ''].join('\n'),
  );
  const { child, exited } = spawnTied('ser2net', ['-c', config, '-n', '-d', '-P', path.join(dir, 'ser2net.pid')]);
  await until(`ser2net to listen on 127.0.0.1:${port}`, () => canConnect(port));
  return {
    port,
    async stop() {
      await stopChild(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs a peer under a shell that kills it when its stdin closes: on stop(), and also when the
 * test worker dies without cleaning up (a crash), so no peer outlives the run.
 */
function spawnTied(command: string, args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const script = `${command} "$@" & peer=$!; read _ignored; kill $peer 2>/dev/null; wait $peer`;
  const child = spawn('sh', ['-c', script, command, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** A real pino logger whose records the test can read back. */
export function memoryLogger(): { log: Logger; records: () => Array<{ level: number; msg: string }> } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, records: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }) };
}
