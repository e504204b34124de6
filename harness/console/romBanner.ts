/**
 * The ESP32-S3 ROM's first lines after a reset (docs/protocol.md, ESP32-S3):
 *   ESP-ROM:esp32s3-20210327
 *   Build:Mar 27 2021
 *   rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)
 * The banner is complete at the `rst:` line. The `boot:` byte mirrors the strapping pins and
 * differs between boards, so the name in brackets is what counts.
 */
export interface RomBanner {
  chip?: string;
  resetCode: number;
  resetCause: string;
  bootMode: string;
}

const ROM = /ESP-ROM:([a-z0-9]+)-/;
const RESET = /rst:0x([0-9a-fA-F]+) \(([^)]+)\),\s*boot:0x[0-9a-fA-F]+ \((.+)\)\s*$/;
// Lines between `ESP-ROM:` and `rst:` (Build:…) keep the chip; anything else means it was a
// stray match, not a banner.
const BANNER_LINES = 3;

export class RomBannerParser {
  private chip: string | undefined;
  private linesSinceRom = Infinity;

  /** Feeds one visible line; returns the banner when this line completes one. */
  line(text: string): RomBanner | undefined {
    const rom = ROM.exec(text);
    if (rom) {
      this.chip = rom[1];
      this.linesSinceRom = 0;
      return undefined;
    }
    this.linesSinceRom++;
    const reset = RESET.exec(text);
    if (!reset) return undefined;
    const chip = this.linesSinceRom < BANNER_LINES ? this.chip : undefined;
    this.linesSinceRom = Infinity;
    return { chip, resetCode: Number.parseInt(reset[1]!, 16), resetCause: reset[2]!, bootMode: reset[3]! };
  }
}

export function isDownloadWait(text: string): boolean {
  return text.trim() === 'waiting for download';
}

/** What the ROM prints when the image at 0x0 is not bootable (docs/protocol.md, ESP32-S3): erased flash, a broken header. */
const ROM_REJECT = /invalid header: 0x[0-9a-f]+/;

/** The ROM's refusal of the image in a line, e.g. `invalid header: 0xffffffff`. */
export function romRejection(text: string): string | undefined {
  return ROM_REJECT.exec(text)?.[0];
}
