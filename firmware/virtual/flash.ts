/**
 * The board's SPI flash: one file of FLASH_BYTES in the state directory, so that it survives
 * a power cut (SIGKILL) exactly as flash survives on a real board.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';

/** 8 MiB: the ESP32-S3-DevKitC-1 N8R8's flash. */
export const FLASH_BYTES = 8 * 1024 * 1024;

export class FlashStore {
  readonly size: number;
  private readonly fd: number;

  constructor(
    readonly path: string,
    size = FLASH_BYTES,
  ) {
    this.size = size;
    if (!existsSync(path)) {
      // Written aside and renamed, so a power cut while creating never leaves a short flash file.
      const fresh = `${path}.new`;
      writeFileSync(fresh, Buffer.alloc(size, 0xff), { flush: true });
      renameSync(fresh, path);
    }
    this.fd = openSync(path, 'r+');
    const actual = fstatSync(this.fd).size;
    if (actual < size) this.writeAt(actual, Buffer.alloc(size - actual, 0xff));
  }

  read(offset: number, length: number): Buffer {
    this.check(offset, length);
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }

  /**
   * Durable before it returns: the bytes are written and fsync'ed, so whatever acknowledges
   * the write afterwards (a FLASH_DATA response, a settings write) never outlives a torn block.
   * Plain overwrite, not NOR's bit-clearing: the ROM and the firmware erase before they write.
   */
  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.writeAt(offset, data);
  }

  /** Fills with 0xFF, as a NOR erase does. */
  erase(offset: number, length: number): void {
    this.check(offset, length);
    this.writeAt(offset, Buffer.alloc(length, 0xff));
  }

  close(): void {
    closeSync(this.fd);
  }

  private writeAt(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
    fsyncSync(this.fd);
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`flash access 0x${offset.toString(16)}+0x${length.toString(16)} outside 0x0..0x${this.size.toString(16)}`);
    }
  }
}
