import type { NvsLayout } from './nvsSettings.ts';

export interface PlacedSector {
  /** Offset the close entry points at; absent: the sector is open. */
  close?: number;
  /** Data entries, placed top-down from below the gc-done slot, as Zephyr's NVS documentation draws a sector. */
  entries: [id: number, data: string | number[]][];
}

/**
 * Hand-placed NVS sectors for the model's tests: the virtual board only reads NVS, so its tests
 * write the few entries they need here, with a bitwise crc8 (0x07, seed 0xff) rather than the
 * reader's table.
 */
export function placeNvs(flash: Buffer, layout: NvsLayout, sectors: PlacedSector[]): void {
  sectors.forEach((s, i) => {
    const base = layout.offset + i * layout.sectorSize;
    let data = 0;
    let slot = layout.sectorSize - 16;
    const put = (id: number, offset: number, len: number) => {
      const ate = Buffer.from([id & 0xff, id >> 8, offset & 0xff, offset >> 8, len & 0xff, len >> 8, 0xff, 0]);
      let c = 0xff;
      for (const b of ate.subarray(0, 7)) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 7) & 0xff : (c << 1) & 0xff;
      }
      ate[7] = c;
      ate.copy(flash, base + slot);
      slot -= 8;
    };
    put(0xffff, 0, 0);
    for (const [id, value] of s.entries) {
      const buf = Buffer.from(value as string);
      buf.copy(flash, base + data);
      put(id, data, buf.length);
      data += Math.ceil(buf.length / layout.writeBlockSize) * layout.writeBlockSize;
    }
    if (s.close !== undefined) {
      slot = layout.sectorSize - 8;
      put(0xffff, s.close, 0);
    }
  });
}

/** Entries for settings saved one after the other, as the settings NVS backend saves new names. */
export function settingsEntries(settings: Record<string, string>): PlacedSector['entries'] {
  const out: PlacedSector['entries'] = [];
  let id = 0x8000;
  for (const [name, value] of Object.entries(settings)) {
    id++;
    out.push([id + 0x4000, value], [id, name], [0x8000, [id & 0xff, id >> 8]]);
  }
  return out;
}
