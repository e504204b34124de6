import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import { requirePeers } from '../testing/peers.ts';
import { openTransport } from '../transport/open.ts';
import { memoryLogger, startPtyPair, until, type PtyPair } from '../testing/serialPeers.ts';
import type { Transport } from '../transport/transport.ts';
import { Console } from './console.ts';

// The console reads pty end a through the real serial transport; the test plays the board on end b.
let pty: PtyPair;
let transport: Transport;
let board: SerialPort;
let consoleUnderTest: Console;

test.beforeEach(async () => {
  requirePeers('socat');
  pty = await startPtyPair();
  transport = await openTransport(pty.a, { baud: 115200, log: memoryLogger().log, discovery: { sysfsRoot: path.join(os.tmpdir(), 'hil-no-sysfs') } });
  board = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => board.open((err) => (err ? reject(err) : resolve())));
  consoleUnderTest = new Console(transport, { name: 'b0', transcriptPath: path.join(test.info().outputPath(), 'logs', 'b0.log') });
  consoleUnderTest.start();
});

test.afterEach(async () => {
  consoleUnderTest?.stop();
  if (board?.isOpen) await new Promise<void>((resolve) => board.close(() => resolve()));
  await transport?.close();
  await pty?.stop();
});

const say = (text: string | Buffer) => new Promise<void>((resolve, reject) => board.write(text, (err) => (err ? reject(err) : resolve())));

test('waitFor returns the typed event; expect matches lines; only new events count unless since is given', async () => {
  await say('[00:00:03.411,000] <inf> mqtt: Connecting broker=127.0.0.1:18830 client_id=p0 keepalive=30\r\n');
  const connecting = await consoleUnderTest.waitFor('mqtt.connecting', { timeout: 5000, since: 0 });
  expect(connecting).toMatchObject({ kind: 'mqtt.connecting', broker: '127.0.0.1:18830', client_id: 'p0', keepalive: 30, seq: 0 });

  const mark = consoleUnderTest.mark();
  const connected = consoleUnderTest.waitFor('mqtt.connected', { timeout: 5000, where: (e) => e.session_present });
  await say('[00:00:03.502,000] <inf> mqtt: MQTT connected session_present=0\r\n');
  await say('[00:00:09.000,000] <inf> mqtt: MQTT connected session_present=1\r\n');
  expect((await connected).seq, 'the where condition skips the first connect').toBe(2);

  const fromMark = await consoleUnderTest.expect(/session_present=0/, { timeout: 1000, since: mark });
  expect(fromMark).toMatchObject({ kind: 'line', seq: 1 });
  const old = await consoleUnderTest.expect('Connecting broker', { timeout: 200 }).catch((e: unknown) => e);
  expect(old, 'without since, a line that came before the call does not count').toBeInstanceOf(HilError);
  expect(consoleUnderTest.lines).toHaveLength(3);
});

test('a timeout names what was awaited, shows the last 20 lines and the transcript path', async () => {
  for (let i = 1; i <= 25; i++) await say(`[00:00:0${i % 10}.000,000] <inf> main: line ${i}\r\n`);
  await until('25 lines', async () => consoleUnderTest.lines.length === 25);
  const err = await consoleUnderTest.waitFor('task.finished', { timeout: 300 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  const message = (err as HilError).message;
  expect(message).toContain('b0: no "task.finished" within 300 ms');
  expect(message).toContain('<inf> main: line 25');
  expect(message).toContain('<inf> main: line 6\n');
  expect(message, 'only the last 20 lines').not.toContain('<inf> main: line 5\n');
  expect(message).toContain(`transcript: ${consoleUnderTest.transcriptPath}`);
  expect((err as HilError).exitCode).toBe(1);
});

test('the transcript keeps every byte, ANSI codes included, one timestamped line per console line, as it goes', async () => {
  const sent = Buffer.concat([
    Buffer.from('\x1b[1;31m[00:00:00.013,000] <err> main: Settings missing keys=api_key (provision with the shell)\x1b[0m\r\n'),
    Buffer.from([0x00, 0xe0, 0xff, 0x0a]),
    Buffer.from('\x1b[1;32muart:~$ \x1b[m'),
  ]);
  await say(sent);
  const prompt = await consoleUnderTest.waitFor('shell.prompt', { timeout: 5000, since: 0 });
  expect(prompt.seq).toBe(2);
  // Read while the console still runs: nothing may wait for stop() to reach the file.
  const live = readFileSync(consoleUnderTest.transcriptPath);
  const lines = live.toString('latin1').split(/(?<=\n)/);
  expect(lines).toHaveLength(3);
  for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
  const bytes = Buffer.concat(lines.map((line) => Buffer.from(line.slice(25), 'latin1')));
  expect(bytes.equals(sent), 'without the timestamps, the transcript is the byte stream').toBe(true);
  expect(consoleUnderTest.events.find((e) => e.kind === 'settings.missing')).toMatchObject({ keys: ['api_key'] });
});

test('send() writes a shell line with \\r\\n; stop() fails a pending wait at once', async () => {
  const got: Buffer[] = [];
  board.on('data', (chunk: Buffer) => got.push(chunk));
  await consoleUnderTest.send('settings list proplet');
  await until('the command at the board', async () => Buffer.concat(got).toString().endsWith('\r\n'));
  expect(Buffer.concat(got).toString()).toBe('settings list proplet\r\n');

  const pending = consoleUnderTest.waitFor('boot', { timeout: 60_000 }).catch((e: unknown) => e);
  consoleUnderTest.stop();
  const err = await pending;
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe('b0: console stopped while a wait was pending');
});
