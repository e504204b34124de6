import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SerialPort } from 'serialport';
import { requirePeers } from '../../testing/peers.ts';
import { startPtyPair, startSer2net, until, type PtyPair, type Ser2net } from '../../testing/serialPeers.ts';

const HIL = new URL('../hil.mjs', import.meta.url).pathname;
const BOOT = readFileSync(new URL('../../console/captures/poweron-boot.log', import.meta.url));

let pty: PtyPair | undefined;
let ser2net: Ser2net | undefined;
let child: ChildProcess | undefined;

test.afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ser2net?.stop();
  await pty?.stop();
  [child, ser2net, pty] = [undefined, undefined, undefined];
});

interface Run {
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function hil(args: string[]): Run {
  const proc = spawn(process.execPath, [HIL, ...args], { env: { ...process.env, HIL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout: () => out, stderr: () => err, exit: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

/** Plays the board: writes the capture into the far end of the pty once the monitor listens. */
async function board(device: string, run: Run): Promise<void> {
  await until('the monitor to start', async () => run.stderr().includes('monitoring'), 15_000).catch(() => {
    throw new Error(`hil monitor did not start; stderr:\n${run.stderr()}`);
  });
  const port = new SerialPort({ path: device, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve, reject) => port.write(BOOT, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve) => port.drain(() => resolve()));
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

test('hil monitor <pty> --json prints every event as JSON and ends cleanly on Ctrl-C', async () => {
  requirePeers('socat');
  pty = await startPtyPair();
  const transcript = path.join(test.info().outputPath(), 'monitor.log');
  const run = hil(['monitor', pty.a, '--json', '--transcript', transcript]);
  await board(pty.b, run);
  await until('the last task to be shown', async () => run.stdout().includes('"kind":"task.finished","id":"nop"'), 10_000).catch(() => {
    throw new Error(`the events did not all arrive; stdout:\n${run.stdout()}`);
  });
  child!.kill('SIGINT');
  expect(await run.exit, `exit code after Ctrl-C; stderr:\n${run.stderr()}`).toBe(0);
  const events = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as { kind: string; seq: number });
  expect(events.filter((e) => e.kind === 'line')).toHaveLength(36);
  expect(events.find((e) => e.kind === 'mqtt.connected')).toMatchObject({ session_present: false, seq: 23 });
  expect(readFileSync(transcript).toString(), 'the transcript holds the console').toContain('Starting Proplet version=1.0.0\r\n');
  expect(run.stderr().split('\n').filter((l) => l.includes('cannot reset the board on')), 'a pty cannot reset: one line says so').toHaveLength(1);
});

test('hil monitor exits 1 with one line when the port goes away', async () => {
  requirePeers('socat');
  pty = await startPtyPair();
  const transcript = path.join(test.info().outputPath(), 'monitor.log');
  const run = hil(['monitor', pty.a, '--transcript', transcript]);
  await until('the monitor to start', async () => run.stderr().includes('monitoring'), 15_000).catch(() => {
    throw new Error(`hil monitor did not start; stderr:\n${run.stderr()}`);
  });
  await pty.stop();
  pty = undefined;
  expect(await run.exit, `stderr:\n${run.stderr()}`).toBe(1);
  const last = run.stderr().trim().split('\n').at(-1)!;
  expect(last).toMatch(/^hil: .*lost/);
  expect(last).toContain(`the console up to then is in ${transcript}`);
});

test('hil monitor rfc2217://… shows the parsed console served by ser2net', async () => {
  requirePeers('socat', 'ser2net');
  pty = await startPtyPair();
  ser2net = await startSer2net(pty.a);
  const run = hil(['monitor', `rfc2217://127.0.0.1:${ser2net.port}`, '--transcript', path.join(test.info().outputPath(), 'monitor.log')]);
  await board(pty.b, run);
  await until('the last heap line', async () => run.stdout().split('\n').filter((l) => / heap +\[/.test(l)).length === 3, 10_000).catch(() => {
    throw new Error(`the parsed rows did not all arrive; stdout:\n${run.stdout()}`);
  });
  child!.kill('SIGINT');
  expect(await run.exit, `exit code after Ctrl-C; stderr:\n${run.stderr()}`).toBe(0);
  const rows = run.stdout().split('\n');
  expect(rows.find((r) => r.includes('rst:0x1'))).toMatch(/^ +\d+\.\d{3} rom\.banner +rst:0x1 \(POWERON\)/);
  expect(rows.find((r) => r.includes('MQTT connected'))).toMatch(/ mqtt\.connected +\[00:00:03\.502,000\] <inf> mqtt: MQTT connected/);
  expect(rows.find((r) => r.includes('WIFI ready')), 'a line without a contract event has no tag').toMatch(/^ +\d+\.\d{3} +\[00:00:01\.734,000\]/);
});

test('hil monitor with a virtual or unknown board, or a bad config, exits 2 with one line', async () => {
  const config = path.join(test.info().outputPath(), 'lab.config.yaml');
  writeFileSync(config, readFileSync(new URL('../../../lab.config.yaml', import.meta.url)));
  for (const [args, expected] of [
    [['--config', config, 'monitor', 'v0'], /^hil: board "v0" is virtual: .*hil virtual start/],
    [['--config', config, 'monitor', 'nope'], /^hil: no board named "nope" in .*boards: v0, v1/],
    [['--config', path.join(test.info().outputPath(), 'missing.yaml'), 'monitor', 'v0'], /missing\.yaml: no such file/],
    [['monitor', 'rfc2217://host'], /^hil: port "rfc2217:\/\/host" is not /],
  ] as const) {
    const run = hil([...args]);
    expect(await run.exit, `${args.join(' ')}: ${run.stderr()}`).toBe(2);
    expect(run.stderr().trim()).toMatch(expected);
    expect(run.stderr().trim().split('\n'), 'one line').toHaveLength(1);
  }
});

test('hil monitor says once that a board whose ROM rejects the flash is blank, and how to flash it', async () => {
  requirePeers('socat');
  pty = await startPtyPair();
  const run = hil(['monitor', pty.a, '--transcript', path.join(test.info().outputPath(), 'monitor.log')]);
  await until('the monitor to start', async () => run.stderr().includes('monitoring'), 15_000).catch(() => {
    throw new Error(`hil monitor did not start; stderr:\n${run.stderr()}`);
  });
  const port = new SerialPort({ path: pty.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  // What an ESP32-S3 ROM prints on an erased flash (docs/protocol.md).
  const erased = 'ESP-ROM:esp32s3-20210327\r\nrst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n' + 'invalid header: 0xffffffff\r\n'.repeat(3);
  await new Promise<void>((resolve, reject) => port.write(erased, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve) => port.drain(() => resolve()));
  await new Promise<void>((resolve) => port.close(() => resolve()));
  await until('the blank hint', async () => run.stderr().includes('is blank'), 10_000).catch(() => {
    throw new Error(`no hint that the board is blank; stderr:\n${run.stderr()}`);
  });
  await until('the rows', async () => run.stdout().split('invalid header').length - 1 === 3, 10_000).catch(() => {
    throw new Error(`the ROM lines did not all arrive; stdout:\n${run.stdout()}`);
  });
  child!.kill('SIGINT');
  expect(await run.exit, `exit code after Ctrl-C; stderr:\n${run.stderr()}`).toBe(0);
  const hints = run.stderr().split('\n').filter((l) => l.includes('is blank'));
  expect(hints, 'one hint for three rejections').toHaveLength(1);
  expect(hints[0]).toContain(`flash it with hil flash --port ${pty.a} IMAGE`);
  expect(hints[0]).toContain('invalid header: 0xffffffff');
});
