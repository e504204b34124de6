import type { FlashStore } from '../flash.ts';
import { erasedBy } from './chipTime.ts';
import { Inflater } from './inflater.ts';
import type { Failure } from './protocol.ts';

const SECTOR = 0x1000;

const alignDown = (n: number, a: number) => n - (n % a);
const alignUp = (n: number, a: number) => alignDown(n + a - 1, a);

/**
 * One FLASH_BEGIN … FLASH_END (or FLASH_DEFL_*) session: the sectors the write will touch are
 * erased in the store up front (the stub erases them as it goes; the end state is the same,
 * and eraseWaitMs gives the time it takes), then data is written in order from the begin
 * offset, never past the announced size.
 */
export class FlashDownload {
  /** Bytes still expected after decompression. */
  remaining: number;
  private offset: number;
  private inflater?: Inflater;

  /** When the region's erase began (performance.now()): the stub erases in order from there. */
  private readonly eraseStarted = performance.now();

  private constructor(
    private readonly flash: FlashStore,
    private readonly first: number,
    private readonly size: number,
  ) {
    this.offset = first;
    this.remaining = size;
  }

  /**
   * How long, from now, until the sectors under everything written so far are erased, for a
   * flasher stub that erases the region in order from FLASH_BEGIN on, in the background, while
   * the data comes in (esptool's stub does): a write waits only where it overtakes the erase.
   */
  eraseWaitMs(): number {
    const start = alignDown(this.first, SECTOR);
    const end = alignUp(this.first + this.size, SECTOR);
    return Math.max(0, this.eraseStarted + erasedBy(start, end - start, this.offset) - performance.now());
  }

  /** Fails, as erasing a sector past the chip's end does, when the region leaves the flash. */
  static begin(flash: FlashStore, offset: number, size: number, compressed: boolean): FlashDownload | Failure {
    const start = alignDown(offset, SECTOR);
    const end = alignUp(offset + size, SECTOR);
    if (end > flash.size) return 'spiFailed';
    if (end > start) flash.erase(start, end - start);
    const session = new FlashDownload(flash, offset, size);
    if (compressed) session.inflater = new Inflater((chunk) => session.write(chunk));
    return session;
  }

  get compressed(): boolean {
    return this.inflater !== undefined;
  }

  /** Writes what fits in the announced size; the rest is the 0xFF padding of a last block. */
  write(data: Uint8Array): void {
    const length = Math.min(data.length, this.remaining);
    if (length === 0) return;
    this.flash.write(this.offset, length === data.length ? data : data.subarray(0, length));
    this.offset += length;
    this.remaining -= length;
  }

  async inflate(chunk: Uint8Array): Promise<Failure | undefined> {
    if (!this.inflater) return 'notInFlashMode';
    try {
      await this.inflater.push(chunk);
      return undefined;
    } catch {
      return 'inflate';
    }
  }

  close(): void {
    this.inflater?.close();
  }
}
