/**
 * How long the flash work behind a download-mode command takes on a DevKitC's 8 MiB quad SPI
 * flash (GD25Q64-class), for boards run with `--pace`. Erase times are the datasheet's typical
 * figures (4 KiB sector 50 ms, 64 KiB block 250 ms): an erase uses whole 64 KiB blocks where
 * it can, sectors for the rest. The MD5 figure is an estimate of reading the flash and hashing
 * it in software on the chip (about 4 MiB/s); docs/esptool-conformance.md says where it comes from.
 */
const SECTOR = 0x1000;
const BLOCK = 0x10000;
const SECTOR_ERASE_MS = 50;
const BLOCK_ERASE_MS = 250;
const MD5_MS_PER_MIB = 250;
/** A whole-chip erase of this flash takes about 25 s typical. */
export const CHIP_ERASE_MS = 25_000;

/** Time to erase [offset, offset + size), both sector-aligned. */
export function eraseMs(offset: number, size: number): number {
  return erasedBy(offset, size, offset + size);
}

/**
 * Time from the start of an erase of [offset, offset + size) in order (64 KiB blocks where it
 * can, sectors for the rest) until every sector below `upTo` is erased.
 */
export function erasedBy(offset: number, size: number, upTo: number): number {
  let ms = 0;
  let at = offset;
  const end = offset + size;
  const needed = Math.min(end, upTo);
  while (at < needed) {
    if (at % BLOCK === 0 && end - at >= BLOCK) {
      ms += BLOCK_ERASE_MS;
      at += BLOCK;
    } else {
      ms += SECTOR_ERASE_MS;
      at += SECTOR;
    }
  }
  return ms;
}

export function md5Ms(size: number): number {
  return (size / (1024 * 1024)) * MD5_MS_PER_MIB;
}

export const chipDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
