import { createHash } from 'node:crypto';

/**
 * Reads an ESP application or bootloader image (esptool's image format, docs/protocol.md): the
 * header, the extended header's chip id, the segments, the checksum and the optional SHA-256,
 * and the esp_app_desc_t that CONTRACT.md §7 puts at the start of the first DROM segment.
 * The flasher refuses an image the ROM would reject before it touches a board.
 */

export const IMAGE_MAGIC = 0xe9;
const APP_DESC_MAGIC = 0xabcd5432;
const CHECKSUM_SEED = 0xef;
const HEADER_BYTES = 8;
const EXTENDED_HEADER_BYTES = 16;
const SEGMENT_HEADER_BYTES = 8;
const SHA256_BYTES = 32;
/** ESP32-S3 data-bus flash mapping (DROM), where the app descriptor lives. */
const DROM_START = 0x3c000000;
const DROM_END = 0x3e000000;

/** Image chip ids (esptool's IMAGE_CHIP_ID per target, esptool-js lib/targets/*.js). */
const CHIP_NAMES: Record<number, string> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
};
export const ESP32S3_CHIP_ID = 9;

export function chipName(chipId: number): string {
  return CHIP_NAMES[chipId] ?? `an unknown chip (id ${chipId})`;
}

export interface Segment {
  loadAddress: number;
  length: number;
  /** Offset of the segment's data in the image. */
  dataOffset: number;
}

/** What the firmware's esp_app_desc_t says about itself. */
export interface AppDescriptor {
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
}

export interface ImageInfo {
  chipId: number;
  entry: number;
  segments: Segment[];
  /** Bytes covered by the header, segments, padding and checksum (the SHA-256 follows). */
  dataLength: number;
  hashAppended: boolean;
  app?: AppDescriptor;
}

/** Why an image cannot be flashed; the caller adds the file name. */
export class ImageFormatError extends Error {}

export function isImage(data: Uint8Array): boolean {
  return data.length >= HEADER_BYTES && data[0] === IMAGE_MAGIC;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

function readAppDescriptor(data: Buffer): AppDescriptor | undefined {
  if (data.length < 256 || data.readUInt32LE(0) !== APP_DESC_MAGIC) return undefined;
  // esp_app_desc_t: magic, secure_version, reserv1[2], version[32], project_name[32],
  // time[16], date[16], idf_ver[32], app_elf_sha256[32], … (256 bytes).
  return {
    version: cString(data.subarray(16, 48)),
    projectName: cString(data.subarray(48, 80)),
    time: cString(data.subarray(80, 96)),
    date: cString(data.subarray(96, 112)),
    idfVersion: cString(data.subarray(112, 144)),
  };
}

/** Parses and checks an image; throws ImageFormatError saying what is wrong. */
export function inspectImage(bytes: Uint8Array): ImageInfo {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isImage(data)) {
    throw new ImageFormatError(`not an ESP image (first byte 0x${(data[0] ?? 0).toString(16)}, expected 0xe9)`);
  }
  if (data.length < HEADER_BYTES + EXTENDED_HEADER_BYTES) throw new ImageFormatError('truncated: shorter than its header');
  const segmentCount = data[1]!;
  const entry = data.readUInt32LE(4);
  const chipId = data.readUInt16LE(HEADER_BYTES + 4);
  const hashAppended = data[HEADER_BYTES + 15] === 1;

  const segments: Segment[] = [];
  let offset = HEADER_BYTES + EXTENDED_HEADER_BYTES;
  let checksum = CHECKSUM_SEED;
  for (let i = 0; i < segmentCount; i++) {
    if (offset + SEGMENT_HEADER_BYTES > data.length) throw new ImageFormatError(`truncated: segment ${i} header is missing`);
    const loadAddress = data.readUInt32LE(offset);
    const length = data.readUInt32LE(offset + 4);
    const dataOffset = offset + SEGMENT_HEADER_BYTES;
    if (dataOffset + length > data.length) {
      throw new ImageFormatError(`truncated: segment ${i} needs ${length} bytes, ${data.length - dataOffset} left`);
    }
    for (let j = dataOffset; j < dataOffset + length; j++) checksum ^= data[j]!;
    segments.push({ loadAddress, length, dataOffset });
    offset = dataOffset + length;
  }
  // The checksum byte is the last byte of the next 16-byte boundary.
  const checksumOffset = (offset | 15);
  if (checksumOffset >= data.length) throw new ImageFormatError('truncated: the checksum byte is missing');
  if (data[checksumOffset] !== checksum) {
    throw new ImageFormatError(
      `checksum mismatch (image says 0x${data[checksumOffset]!.toString(16)}, segments give 0x${checksum.toString(16)})`,
    );
  }
  const dataLength = checksumOffset + 1;
  if (hashAppended) {
    if (dataLength + SHA256_BYTES > data.length) throw new ImageFormatError('truncated: the appended SHA-256 is missing');
    const digest = createHash('sha256').update(data.subarray(0, dataLength)).digest();
    if (!digest.equals(data.subarray(dataLength, dataLength + SHA256_BYTES))) {
      throw new ImageFormatError('SHA-256 mismatch: the image was changed after it was built');
    }
  }

  // ESP-IDF's and Zephyr's images put the DROM segment first; the first segment is the fallback.
  const drom = segments.find((s) => s.loadAddress >= DROM_START && s.loadAddress < DROM_END) ?? segments[0];
  const app = drom && readAppDescriptor(data.subarray(drom.dataOffset, drom.dataOffset + drom.length));
  return { chipId, entry, segments, dataLength, hashAppended, ...(app ? { app } : {}) };
}
