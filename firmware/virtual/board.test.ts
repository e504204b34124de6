/**
 * The board process end to end, as any RFC 2217 client sees it: the auto-reset truth table,
 * boot modes and reset causes, the ROM's verdict on bad images, and power cuts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildImage, imageSet } from '../../fixtures/images.ts';
import { startBoard, type BoardProcess } from './testing/boardProcess.ts';
import { CONTROL, Rfc2217Client } from './testing/rfc2217Client.ts';

const POWERON_FLASH = 'rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)';
const POWERON_DOWNLOAD = 'rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))';
/** Long enough for a reset to show, were one to happen: EN's rise (100 ms) plus a boot. */
const QUIET_MS = 400;

let dir: string;
const boards: BoardProcess[] = [];
const clients: Rfc2217Client[] = [];

test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vboard-'));
  for (const [name, bytes] of Object.entries(imageSet())) writeFileSync(join(dir, name), bytes);
});

test.afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  for (const board of boards.splice(0)) {
    board.child.kill('SIGKILL');
    await board.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function board(...args: string[]): Promise<{ proc: BoardProcess; client: Rfc2217Client }> {
  const proc = await startBoard(['--state', join(dir, 'state'), ...args]);
  boards.push(proc);
  const client = await Rfc2217Client.connect(proc.url);
  clients.push(client);
  return { proc, client };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RTS pulls EN low; releasing it is an EN reset (esptool's hard reset). */
async function enReset(client: Rfc2217Client): Promise<number> {
  await client.control(CONTROL.DTR_OFF);
  await client.control(CONTROL.RTS_ON);
  await sleep(100);
  const mark = client.mark();
  await client.control(CONTROL.RTS_OFF);
  return mark;
}

/** esptool's classic reset: EN low, then EN released with GPIO0 held low by DTR. */
async function classicDownloadReset(client: Rfc2217Client): Promise<number> {
  await client.control(CONTROL.DTR_OFF);
  await client.control(CONTROL.RTS_ON);
  await sleep(100);
  const mark = client.mark();
  // Back to back, as esptool sends them; the transient "both asserted" must not boot the chip.
  const dtrOn = client.control(CONTROL.DTR_ON);
  await client.control(CONTROL.RTS_OFF);
  await dtrOn;
  await sleep(50);
  await client.control(CONTROL.DTR_OFF);
  return mark;
}

test('an EN reset boots the flashed image: ROM banner, load lines, Zephyr banner, version', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  const from = await enReset(client);
  const text = await client.waitFor('<inf> main: Starting Proplet version=1.0.0', from);
  const lines = text.split('\r\n');
  expect(lines.slice(0, 3)).toEqual(['ESP-ROM:esp32s3-20210327', 'Build:Mar 27 2021', POWERON_FLASH]);
  expect(lines).toContain('mode:DIO, clock div:2');
  expect(lines).toContain('load:0x3fc8fa60,len:0x2134');
  expect(lines).toContain('entry 0x4037a9d4');
  expect(lines).toContain('I (61) boot: ESP Simple boot');
  expect(lines).toContain('*** Booting Zephyr OS build v4.0.0 ***');
  expect(text).toMatch(/\[\d\d:\d\d:\d\d\.\d{3},\d{3}\] <inf> main: Starting Proplet version=1\.0\.0\r\n/);
});

test('an image no firmware model claims runs the minimal app: banner, version, periodic uptime', async () => {
  writeFileSync(join(dir, 'other.bin'), buildImage({ projectName: 'blinky', version: '2.0.0' }));
  const { client } = await board('--firmware', join(dir, 'other.bin'));
  const text = await client.waitFor(/<inf> main: uptime seconds=5\r\n/, 0, 10_000);
  expect(text).toContain('*** Booting Zephyr OS build v4.0.0 ***\r\n');
  expect(text).toMatch(/\] <inf> main: Starting Proplet version=2\.0\.0\r\n/);
});

test('EN held low keeps the chip silent and deaf; only the release boots it', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  await client.control(CONTROL.RTS_ON);
  await sleep(50);
  const held = client.mark();
  client.write('kernel reboot cold\r\n');
  await sleep(QUIET_MS);
  expect(client.text(held), 'output while EN is held low').toBe('');
  await client.control(CONTROL.RTS_OFF);
  await client.waitFor(POWERON_FLASH, held);
});

test('the classic DTR/RTS sequence enters download mode, and the ROM loader answers SYNC', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  const from = await classicDownloadReset(client);
  await client.waitFor(`${POWERON_DOWNLOAD}\r\nwaiting for download\r\n`, from);
  expect(client.text(from)).not.toContain('Booting Zephyr');
  // SYNC (0x08): 0x07 0x07 0x12 0x20 then 32 × 0x55, SLIP-framed.
  const sync = Buffer.concat([Buffer.from([0x00, 0x08, 36, 0, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);
  const afterBanner = client.mark();
  client.write(Buffer.concat([Buffer.from([0xc0]), sync, Buffer.from([0xc0])]));
  await client.waitFor('\xc0\x01\x08', afterBanner);
});

test('a slow client: a pause in the "both asserted" step still ends in download mode', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  await client.control(CONTROL.DTR_OFF);
  await client.control(CONTROL.RTS_ON);
  await sleep(100);
  const from = client.mark();
  await client.control(CONTROL.DTR_ON);
  await sleep(20);
  await client.control(CONTROL.RTS_OFF);
  await sleep(50);
  await client.control(CONTROL.DTR_OFF);
  await client.waitFor(`${POWERON_DOWNLOAD}\r\nwaiting for download`, from);
});

test('DTR and RTS both asserted, or DTR alone, do not reset the chip', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  await client.control(CONTROL.DTR_OFF); // answered after the buffered power-on boot
  const from = client.mark();
  await client.control(CONTROL.DTR_ON);
  await client.control(CONTROL.RTS_ON); // both asserted: the transistor pair cancels out
  await sleep(QUIET_MS);
  await client.control(CONTROL.RTS_OFF); // DTR alone: GPIO0 low, EN untouched
  await sleep(QUIET_MS);
  await client.control(CONTROL.DTR_OFF);
  await sleep(QUIET_MS);
  expect(client.text(from), 'console after DTR/RTS changes that must not reset').not.toContain('ESP-ROM');
});

test('a software reset reports RTC_SW_SYS_RST and boots from flash again', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'));
  await client.waitFor('Starting Proplet', await enReset(client));
  const from = client.mark();
  client.write('kernel reboot cold\r\n');
  const text = await client.waitFor('Starting Proplet version=1.0.0', from);
  expect(text).toContain('rst:0x3 (RTC_SW_SYS_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)');
});

test('--pace: the console and the ROM loader work the same at wire speed', async () => {
  const { client } = await board('--firmware', join(dir, 'proplet.bin'), '--pace');
  await client.waitFor('Starting Proplet version=1.0.0', await enReset(client));
  const from = await classicDownloadReset(client);
  await client.waitFor('waiting for download\r\n', from);
  const sync = Buffer.concat([Buffer.from([0x00, 0x08, 36, 0, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);
  const afterBanner = client.mark();
  client.write(Buffer.concat([Buffer.from([0xc0]), sync, Buffer.from([0xc0])]));
  await client.waitFor('\xc0\x01\x08', afterBanner);
});

test('--strap download: power-on and every reset enter download mode without DTR', async () => {
  const { proc, client } = await board('--firmware', join(dir, 'proplet.bin'), '--strap', 'download');
  const from = await enReset(client);
  await client.waitFor(`${POWERON_DOWNLOAD}\r\nwaiting for download`, from);
  expect(proc.stderr()).toContain('boot rst=POWERON download');
});

test('erased flash: invalid header repeated a few times, then silence, no app', async () => {
  const { client } = await board();
  const from = await enReset(client);
  await client.waitFor(/(invalid header: 0xffffffff\r\n){3}/, from);
  await sleep(QUIET_MS);
  const count = client.text(from).split('invalid header: 0xffffffff').length - 1;
  await sleep(QUIET_MS);
  expect(client.text(from).split('invalid header: 0xffffffff').length - 1, 'repeats after it went quiet').toBe(count);
  expect(count).toBeLessThan(10);
  expect(client.text(from)).not.toContain('Booting Zephyr');
});

for (const [file, line] of [
  ['wrong-chip.bin', 'mismatch chip ID, expected 9, found 5'],
  ['bad-checksum.bin', 'csum err:'],
  ['truncated.bin', /invalid segment length|csum err:/],
] as const) {
  test(`${file} is refused by the ROM and starts no app`, async () => {
    const { client } = await board('--firmware', join(dir, file));
    const from = await enReset(client);
    await client.waitFor(line, from);
    await sleep(QUIET_MS);
    expect(client.text(from)).not.toContain('Booting Zephyr');
    expect(client.text(from)).not.toContain('entry 0x');
  });
}

test('SET-BAUDRATE is answered with the new rate; the server negotiates binary', async () => {
  const { client } = await board();
  client.setBaud(921600);
  const answer = await client.waitForAnswer(101);
  expect(Buffer.from(answer.slice(1)).readUInt32BE(0)).toBe(921600);
  expect(client.negotiation).toEqual(expect.arrayContaining(['WILL 0', 'DO 0', 'DO 44']));
});

test('a power cut keeps flash and identity; the next start is a power-on with the same image', async () => {
  const { proc, client } = await board('--firmware', join(dir, 'upstream.bin'));
  await client.waitFor('<inf> main: Starting Proplet...', await enReset(client));
  const identity = readFileSync(join(dir, 'state', 'identity.json'), 'utf8');
  proc.child.kill('SIGKILL');
  expect(await proc.exited).toBe('SIGKILL');
  const again = await board(); // no --firmware: whatever the flash holds
  // The first client reads the power-on boot, buffered since the process started.
  const text = await again.client.waitFor('<inf> main: Starting Proplet...', 0);
  expect(text.startsWith(`ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n${POWERON_FLASH}\r\n`), text).toBe(true);
  expect(readFileSync(join(dir, 'state', 'identity.json'), 'utf8')).toBe(identity);
});

test('SIGTERM exits 0', async () => {
  const { proc } = await board();
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
});

test('--raw-port serves the same UART as plain TCP: a strapped board answers SYNC with no control lines', async () => {
  const { proc } = await board('--strap', 'download', '--raw-port', '0');
  const port = Number(/raw UART on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(proc.stderr())?.[1]);
  expect(port, `raw port in stderr:\n${proc.stderr()}`).toBeGreaterThan(0);
  const socket = net.connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  await new Promise((r) => socket.once('connect', r));
  try {
    const sync = Buffer.concat([Buffer.from([0x00, 0x08, 36, 0, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);
    socket.write(Buffer.concat([Buffer.from([0xc0]), sync, Buffer.from([0xc0])]));
    const deadline = Date.now() + 5000;
    while (!received.includes(Buffer.from([0xc0, 0x01, 0x08]))) {
      if (Date.now() > deadline) throw new Error(`no SYNC answer on the raw port; got ${received.toString('hex')}`);
      await sleep(10);
    }
  } finally {
    socket.destroy();
  }
});
