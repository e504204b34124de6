/**
 * The esptool serial protocol's numbers: command codes, the two loaders' error codes and how
 * each loader lays out a response. Sources: esptool's docs/en/advanced-topics/serial-protocol.rst
 * and espressif/esp-flasher-stub src/commands.h (the stub esptool-js 0.7.0 uploads).
 */

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  /** ROM only: reads one block of up to 64 bytes (esptool --no-stub read_flash). */
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

/** What went wrong, independent of which loader reports it. */
export type Failure =
  | 'badLength' // a length field or the payload size is wrong
  | 'notEnoughData' // a _DATA packet shorter than its 16-byte header
  | 'tooMuchData' // the data-length word disagrees with the payload, or more than announced
  | 'badChecksum'
  | 'notInFlashMode' // a _DATA/_END without its _BEGIN
  | 'spiFailed' // the flash refused the operation (e.g. beyond its end)
  | 'inflate'
  | 'invalidCommand';

/**
 * ROM loader error byte (serial-protocol.rst, "ROM Loader Errors"). The ROM has no finer
 * codes: length problems are "received message is invalid", state problems "failed to act".
 */
const romError: Record<Failure, number> = {
  badLength: 0x05,
  notEnoughData: 0x05,
  tooMuchData: 0x05,
  badChecksum: 0x07,
  notInFlashMode: 0x06,
  spiFailed: 0x06,
  inflate: 0x0b,
  invalidCommand: 0x05,
};

/** esp-flasher-stub response codes, sent big-endian (0xC100 goes out as C1 00). */
const stubError: Record<Failure, number> = {
  badLength: 0xc000,
  badChecksum: 0xc100,
  invalidCommand: 0xc300,
  spiFailed: 0xc400,
  notInFlashMode: 0xc600,
  inflate: 0xc700,
  notEnoughData: 0xc800,
  tooMuchData: 0xc900,
};

export type LoaderKind = 'rom' | 'stub';

export interface Reply {
  value?: number;
  data?: Uint8Array;
}

/**
 * A response packet (before SLIP). The ESP32-S3 ROM ends the data with four status bytes
 * (status, error, 0, 0); the stub with two (a big-endian 16-bit code).
 */
export function responsePacket(kind: LoaderKind, op: number, reply: Reply, failure?: Failure): Buffer {
  const data = failure ? undefined : reply.data;
  const dataLen = data?.length ?? 0;
  const statusLen = kind === 'rom' ? 4 : 2;
  const pkt = Buffer.alloc(8 + dataLen + statusLen);
  pkt[0] = 0x01;
  pkt[1] = op;
  pkt.writeUInt16LE(dataLen + statusLen, 2);
  pkt.writeUInt32LE((failure ? 0 : reply.value ?? 0) >>> 0, 4);
  if (data) pkt.set(data, 8);
  if (failure) {
    if (kind === 'rom') {
      pkt[8 + dataLen] = 1;
      pkt[9 + dataLen] = romError[failure];
    } else {
      pkt.writeUInt16BE(stubError[failure], 8 + dataLen);
    }
  }
  return pkt;
}

/** The _DATA checksum: XOR of the payload bytes, seeded with 0xEF. */
export function dataChecksum(data: Uint8Array): number {
  let sum = 0xef;
  for (let i = 0; i < data.length; i++) sum ^= data[i];
  return sum;
}
