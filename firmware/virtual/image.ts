/**
 * The ROM's check of the application image at flash offset 0x0 (simple boot): header magic,
 * chip id, segments, XOR checksum, appended SHA-256; then the esp_app_desc_t at the start of
 * the first segment (CONTRACT.md §7). The result carries the exact lines the ROM prints.
 */
import { createHash } from 'node:crypto';
import type { AppDescriptor } from './app.ts';

const IMAGE_MAGIC = 0xe9;
const APP_DESC_MAGIC = 0xabcd5432;
const CHIP_ID_ESP32S3 = 9;
const MAX_SEGMENTS = 16;
const HEADER_BYTES = 24;

export interface Segment {
  address: number;
  length: number;
}

export interface GoodImage {
  ok: true;
  wpPin: number;
  spiMode: string;
  /** The SPI clock divider the ROM reports for the header's flash frequency. */
  clockDiv: number;
  flashSize: string;
  entry: number;
  segments: Segment[];
  descriptor: AppDescriptor;
}

export interface BadImage {
  ok: false;
  /** invalid-header repeats on a real chip (the ROM retries); the others are printed once. */
  kind: 'header' | 'chip' | 'segment' | 'checksum' | 'hash' | 'descriptor';
  romLine: string;
}

export type ImageCheck = GoodImage | BadImage;

/** Reads `length` bytes at `offset`; flash past what was written reads 0xFF like erased NOR. */
export type Reader = (offset: number, length: number) => Buffer;

const SPI_MODES = ['QIO', 'QOUT', 'DIO', 'DOUT'];
const FLASH_SIZES = ['1MB', '2MB', '4MB', '8MB', '16MB', '32MB', '64MB', '128MB'];
// esptool's flash_freq nibble → the ROM's SPI clock divider off the 80 MHz SPI clock.
const CLOCK_DIV: Record<number, number> = { 0x0: 2, 0x1: 3, 0x2: 4, 0xf: 1 };

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

const hex = (n: number, width = 0) => `0x${n.toString(16).padStart(width, '0')}`;

export function checkImage(read: Reader, flashBytes: number): ImageCheck {
  const header = read(0, HEADER_BYTES);
  if (header[0] !== IMAGE_MAGIC) {
    return { ok: false, kind: 'header', romLine: `invalid header: ${hex(header.readUInt32LE(0), 8)}` };
  }
  const chipId = header.readUInt16LE(12);
  if (chipId !== CHIP_ID_ESP32S3) {
    return { ok: false, kind: 'chip', romLine: `mismatch chip ID, expected ${CHIP_ID_ESP32S3}, found ${chipId}` };
  }
  const count = header[1];
  if (count === 0 || count > MAX_SEGMENTS) {
    return { ok: false, kind: 'segment', romLine: `invalid segment count ${count}` };
  }
  const segments: Segment[] = [];
  let offset = HEADER_BYTES;
  let checksum = 0xef;
  let firstSegment: Buffer | undefined;
  for (let i = 0; i < count; i++) {
    const segHeader = read(offset, 8);
    const address = segHeader.readUInt32LE(0);
    const length = segHeader.readUInt32LE(4);
    if (length % 4 !== 0 || offset + 8 + length > flashBytes) {
      return { ok: false, kind: 'segment', romLine: `invalid segment length ${hex(length)}` };
    }
    const data = read(offset + 8, length);
    for (const byte of data) checksum ^= byte;
    firstSegment ??= data;
    segments.push({ address, length });
    offset += 8 + length;
  }
  const checksumAt = offset + (15 - (offset % 16));
  const stored = read(checksumAt, 1)[0];
  if (stored !== checksum) {
    return { ok: false, kind: 'checksum', romLine: `csum err:${hex(checksum, 2)}!=${hex(stored, 2)}` };
  }
  if (header[23] === 1) {
    const end = checksumAt + 1;
    const digest = createHash('sha256').update(read(0, end)).digest();
    if (!digest.equals(read(end, 32))) return { ok: false, kind: 'hash', romLine: 'sha256 err: image is corrupt' };
  }
  const desc = firstSegment!;
  if (desc.length < 256 || desc.readUInt32LE(0) !== APP_DESC_MAGIC) {
    return { ok: false, kind: 'descriptor', romLine: 'no application descriptor in the first segment' };
  }
  return {
    ok: true,
    wpPin: header[8],
    spiMode: SPI_MODES[header[2]] ?? hex(header[2]),
    clockDiv: CLOCK_DIV[header[3] & 0x0f] ?? 1,
    flashSize: FLASH_SIZES[header[3] >> 4] ?? '?',
    entry: header.readUInt32LE(4),
    segments,
    descriptor: { version: cString(desc.subarray(16, 48)), projectName: cString(desc.subarray(48, 80)) },
  };
}

/** A reader over a file's bytes, erased (0xFF) past its end, as the image sits in flash. */
export function bufferReader(bytes: Buffer): Reader {
  return (offset, length) => {
    const out = Buffer.alloc(length, 0xff);
    if (offset < bytes.length) bytes.copy(out, 0, offset, Math.min(bytes.length, offset + length));
    return out;
  };
}
