/**
 * DownloadMode driven by the real esptool-js ESPLoader. Between them sits the smallest
 * Web-Serial-like port that esptool-js's Transport accepts, wired to DownloadMode in memory:
 * it hands host writes over in uneven chunks (the protocol engine must not care) and passes
 * bytes only while both ends run at the same baud rate, as a UART would.
 */
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESPLoader, Transport, type IEspLoaderTerminal } from 'esptool-js';
import { FlashStore } from '../flash.ts';
import { DownloadMode } from './index.ts';

const MAC = Buffer.from([0xf4, 0x12, 0xfa, 0x01, 0x02, 0x03]);
const ROM_BAUD = 115200;
const FAST_BAUD = 921600;
const MiB = 1024 * 1024;

type Signals = { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean };

class MemoryPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  hostBaud = 0;
  readonly signals: Signals[] = [];
  private controller?: ReadableStreamDefaultController<Uint8Array>;
  private seed = 7;

  constructor(private readonly board: Board) {}

  getInfo() {
    return { usbVendorId: 0x10c4, usbProductId: 0xea60 }; // a CP210x bridge
  }

  async open(options: { baudRate: number }): Promise<void> {
    this.hostBaud = options.baudRate;
    this.readable = new ReadableStream<Uint8Array>({ start: (c) => void (this.controller = c) });
    this.writable = new WritableStream<Uint8Array>({ write: (chunk) => this.toBoard(chunk) });
  }

  async close(): Promise<void> {
    this.readable = null;
    this.writable = null;
    this.controller = undefined;
  }

  async setSignals(signals: Signals): Promise<void> {
    this.signals.push(signals);
  }

  async setBaudRate(baud: number): Promise<void> {
    this.hostBaud = baud;
  }

  /** Board TX. */
  fromBoard(bytes: Buffer): void {
    if (this.controller && this.hostBaud === this.board.baud) this.controller.enqueue(new Uint8Array(bytes));
  }

  private toBoard(chunk: Uint8Array): void {
    if (this.hostBaud !== this.board.baud) return;
    for (let i = 0; i < chunk.length; ) {
      this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (this.seed % 700);
      this.board.mode.feed(Buffer.from(chunk.subarray(i, i + n)));
      i += n;
    }
  }
}

interface Board {
  mode: DownloadMode;
  flash: FlashStore;
  baud: number;
  resets: string[];
}

function terminal(lines: string[]): IEspLoaderTerminal {
  return { clean: () => {}, writeLine: (s) => void lines.push(s), write: (s) => void lines.push(s) };
}

const md5hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** Half random, half repetitive: compression does something, and no byte pattern is special. */
function image(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    if ((i >> 12) % 2 === 0) {
      x = (x * 1664525 + 1013904223) >>> 0;
      out[i] = x >>> 24;
    } else {
      out[i] = i & 0xff;
    }
  }
  return out;
}

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'download-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setUp(name: string) {
  const flash = new FlashStore(join(dir, `${name}.bin`));
  const board = { flash, baud: ROM_BAUD, resets: [] as string[] } as Board;
  const port = new MemoryPort(board);
  board.mode = new DownloadMode({
    flash,
    mac: MAC,
    write: (bytes) => port.fromBoard(bytes),
    setBaud: (baud) => void (board.baud = baud),
    reset: (cause) => void board.resets.push(cause),
    pace: false,
  });
  const lines: string[] = [];
  const loader = new ESPLoader({
    transport: new Transport(port as unknown as ConstructorParameters<typeof Transport>[0]),
    baudrate: FAST_BAUD,
    romBaudrate: ROM_BAUD,
    terminal: terminal(lines),
  });
  return { board, port, loader, lines, flash };
}

async function tearDown(loader: ESPLoader, flash: FlashStore) {
  await loader.transport.disconnect();
  flash.close();
}

/** esptool-js's own message for a failed command carries the status bytes it got. */
async function statusOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the command should have been answered with an error status').toBeInstanceOf(Error);
  const match = /failed with status ([\d,]+)/.exec((err as Error).message);
  expect(match, `an esptool-js status error, got: ${(err as Error).message}`).not.toBeNull();
  return match![1];
}

function u32s(...words: number[]): Uint8Array {
  const out = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => out.writeUInt32LE(w >>> 0, i * 4));
  return out;
}

test('esptool-js connects, detects an ESP32-S3, runs the stub at 921600 baud and reads flash id and MAC', async () => {
  const { board, port, loader, lines, flash } = await setUp('connect');
  try {
    const chip = await loader.main('no_reset');
    expect(chip).toBe('ESP32-S3 (QFN56) (revision v0.2)');
    expect(loader.chip.CHIP_NAME).toBe('ESP32-S3');
    expect(lines, 'the stub answered OHAI').toContain('Stub running...');
    expect(loader.IS_STUB).toBe(true);
    expect(board.baud, 'the board switched baud rate').toBe(FAST_BAUD);
    expect(port.hostBaud).toBe(FAST_BAUD);
    expect(await loader.readFlashId()).toBe(0x1740c8);
    expect(await loader.detectFlashSize()).toBe('8MB');
    expect(await loader.chip.readMac(loader)).toBe('f4:12:fa:01:02:03');
    expect(lines).toContain('MAC: f4:12:fa:01:02:03');
  } finally {
    await tearDown(loader, flash);
  }
});

test('a 1 MiB image written compressed is verified by MD5, reads back and the board is hard-reset', async () => {
  const { port, loader, flash } = await setUp('compressed');
  try {
    await loader.main('no_reset');
    const data = image(MiB, 1);
    await loader.writeFlash({
      fileArray: [{ data, address: 0 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
      calculateMD5Hash: md5hex,
    });
    expect(md5hex(flash.read(0, MiB)), 'flash holds the image').toBe(md5hex(data));
    expect(flash.read(MiB, 16).every((b) => b === 0xff), 'nothing written past the image').toBe(true);
    // A readout costs esptool-js a copy per received byte: 64 KiB keeps the test quick.
    const back = await loader.readFlash(0x30000, 0x10000);
    expect(md5hex(back)).toBe(md5hex(data.subarray(0x30000, 0x40000)));
    expect(await loader.flashMd5sum(0x1234, 0x5678)).toBe(md5hex(data.subarray(0x1234, 0x1234 + 0x5678)));
    expect(port.signals, 'no_reset touches no control line').toEqual([]);
    await loader.after('hard_reset');
    expect(port.signals, 'hard reset releases RTS (EN)').toContainEqual({ requestToSend: false });
  } finally {
    await tearDown(loader, flash);
  }
});

test('an uncompressed write is padded by esptool-js but only its own bytes reach the flash', async () => {
  const { loader, flash } = await setUp('plain');
  try {
    await loader.main('no_reset');
    const data = image(100_001, 2); // esptool-js pads to 4, then the last block to 16 KiB with 0xFF
    flash.write(0x220000, Buffer.alloc(16, 0x5a));
    await loader.writeFlash({
      fileArray: [{ data, address: 0x200000 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: false,
      calculateMD5Hash: md5hex,
    });
    expect(md5hex(flash.read(0x200000, data.length))).toBe(md5hex(data));
    expect(flash.read(0x220000, 16).equals(Buffer.alloc(16, 0x5a)), 'bytes beyond the erased sectors untouched').toBe(true);
  } finally {
    await tearDown(loader, flash);
  }
});

test('the stub erases a region and the whole flash', async () => {
  const { loader, flash } = await setUp('erase');
  try {
    await loader.main('no_reset');
    flash.write(0x10000, Buffer.alloc(0x3000, 0x11));
    await loader.checkCommand('erase region', loader.ESP_ERASE_REGION, u32s(0x11000, 0x1000));
    expect(flash.read(0x10000, 0x1000).every((b) => b === 0x11), 'sector before the region kept').toBe(true);
    expect(flash.read(0x11000, 0x1000).every((b) => b === 0xff), 'region erased').toBe(true);
    expect(flash.read(0x12000, 0x1000).every((b) => b === 0x11), 'sector after the region kept').toBe(true);

    await loader.eraseFlash();
    expect(await loader.flashMd5sum(0, flash.size)).toBe(md5hex(Buffer.alloc(flash.size, 0xff)));
  } finally {
    await tearDown(loader, flash);
  }
});

test('the stub answers bad checksums, bad lengths and writes past the end with its error codes', async () => {
  const { loader, flash } = await setUp('stub-errors');
  try {
    await loader.main('no_reset');
    await loader.flashBegin(0x1000, 0x10000);
    const block = new Uint8Array(0x1000).fill(0x42);
    const header = u32s(block.length, 0, 0, 0);
    const packet = new Uint8Array([...header, ...block]);
    const wrong = loader.checksum(block) ^ 0xff;
    // 0xC100 RESPONSE_BAD_DATA_CHECKSUM, sent big-endian
    expect(await statusOf(loader.checkCommand('write flash', loader.ESP_FLASH_DATA, packet, wrong))).toBe('193,0');
    // 0xC900 RESPONSE_TOO_MUCH_DATA: the length word disagrees with the payload
    const short = new Uint8Array([...u32s(block.length + 4, 0, 0, 0), ...block]);
    expect(await statusOf(loader.checkCommand('write flash', loader.ESP_FLASH_DATA, short, loader.checksum(block)))).toBe('201,0');
    // 0xC000 RESPONSE_BAD_DATA_LEN: MEM_BEGIN takes four words, not three
    expect(await statusOf(loader.checkCommand('mem begin', loader.ESP_MEM_BEGIN, u32s(1, 2, 3)))).toBe('192,0');
    // 0xC000 again: an erase region must be sector-aligned
    expect(await statusOf(loader.checkCommand('erase region', loader.ESP_ERASE_REGION, u32s(0x800, 0x1000)))).toBe('192,0');
    // The stub acknowledges a compressed block before inflating it, so corrupt data fails
    // the next command with 0xC700 RESPONSE_INFLATE_ERROR.
    const garbage = new Uint8Array(64).fill(0x99);
    const deflPacket = new Uint8Array([...u32s(garbage.length, 0, 0, 0), ...garbage]);
    await loader.flashDeflBegin(0x1000, garbage.length, 0x10000);
    await loader.checkCommand('write compressed', loader.ESP_FLASH_DEFL_DATA, deflPacket, loader.checksum(garbage));
    expect(await statusOf(loader.checkCommand('write compressed', loader.ESP_FLASH_DEFL_DATA, deflPacket, loader.checksum(garbage)))).toBe('199,0');
    // 0xC400 RESPONSE_FAILED_SPI_OP: the write would run past the 8 MiB flash
    const tail = flash.size - 0x1000;
    const err = await loader
      .writeFlash({
        fileArray: [{ data: new Uint8Array(0x2000), address: tail }],
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: true,
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toMatch(/enter compressed flash mode failed with status 196,0/);
    expect(await statusOf(loader.checkCommand('erase region', loader.ESP_ERASE_REGION, u32s(tail, 0x2000)))).toBe('196,0');
  } finally {
    await tearDown(loader, flash);
  }
});

test('the ROM loader (no stub) flashes compressed data and answers with ROM status bytes', async () => {
  const { board, loader, flash } = await setUp('rom');
  try {
    await loader.connect('no_reset');
    expect(loader.chip.CHIP_NAME).toBe('ESP32-S3');
    expect(loader.IS_STUB).toBe(false);
    const data = image(40_000, 3);
    await loader.writeFlash({
      fileArray: [{ data, address: 0x8000 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
    });
    expect(md5hex(flash.read(0x8000, data.length))).toBe(md5hex(data));
    // The ROM answers MD5 as 32 hex characters, which esptool-js hex-encodes once more.
    const answer = await loader.flashMd5sum(0x8000, data.length);
    expect(Buffer.from(answer, 'hex').toString('ascii')).toBe(md5hex(data));

    const block = new Uint8Array(64).fill(7);
    await loader.memBegin(64, 1, 64, 0x3fc90000);
    const packet = new Uint8Array([...u32s(64, 0, 0, 0), ...block]);
    // status 1, error 0x07 "Invalid CRC in message"
    expect(await statusOf(loader.checkCommand('mem data', loader.ESP_MEM_DATA, packet, loader.checksum(block) ^ 1))).toBe('1,7');
    // status 1, error 0x05 "Received message is invalid": the ROM has no ERASE_FLASH
    expect(await statusOf(loader.eraseFlash())).toBe('1,5');

    // FLASH_END with reboot=false (word 1) leaves the ROM loader to run the application
    await loader.flashBegin(0, 0);
    await loader.flashFinish(false);
    expect(board.resets).toEqual(['runUserCode']);
  } finally {
    await tearDown(loader, flash);
  }
});

test('after a reset the board is the ROM loader again', async () => {
  const { board, loader, flash } = await setUp('reset');
  try {
    await loader.main('no_reset');
    expect(loader.IS_STUB).toBe(true);
    board.mode.stop();
    board.baud = ROM_BAUD; // the chip engineer's reset puts the UART back to 115200
    await loader.transport.changeBaudrate(ROM_BAUD);
    const [value] = await loader.sync();
    expect(value, 'the ROM answers SYNC with a non-zero value, the stub with 0').toBe(0x20120707);
  } finally {
    await tearDown(loader, flash);
  }
});
