/**
 * Reads Zephyr settings stored by the NVS backend, as a firmware built with CONFIG_SETTINGS_NVS
 * finds them at boot: NVS (Zephyr's "Non-Volatile Storage" documentation, subsys/fs/nvs)
 * keeps, per sector, data growing up from the start and 8-byte allocation table entries
 * (id, offset, len, part, crc8) growing down from the end, the last slot closing the sector;
 * the settings backend stores each setting as a name entry (id 0x8001…) and a value entry
 * (name id + 0x4000), with the highest name id in use at 0x8000.
 */

export interface NvsLayout {
  /** Flash offset of the storage partition. */
  offset: number;
  sectorSize: number;
  sectorCount: number;
  writeBlockSize: number;
}

const ATE_SIZE = 8;
const NAME_COUNT_ID = 0x8000;
const VALUE_ID_OFFSET = 0x4000;

// CRC-8, polynomial x^8 + x^2 + x + 1 (0x07), not reflected: Zephyr's crc8_ccitt.
const CRC8_TABLE = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 0x80 ? (c << 1) ^ 0x07 : c << 1) & 0xff;
    table[i] = c;
  }
  return table;
})();

function crc8(bytes: Uint8Array): number {
  let c = 0xff;
  for (const b of bytes) c = CRC8_TABLE[c ^ b]!;
  return c;
}

interface Entry {
  id: number;
  data: Buffer;
}

function isErased(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0xff);
}

/** Every valid data entry, oldest first; a later entry with the same id replaces an earlier one. */
function entries(read: (offset: number, length: number) => Buffer, layout: NvsLayout): Entry[] {
  const sectors = Array.from({ length: layout.sectorCount }, (_, i) => read(layout.offset + i * layout.sectorSize, layout.sectorSize));
  const ateSize = Math.ceil(ATE_SIZE / layout.writeBlockSize) * layout.writeBlockSize;
  const closed = sectors.map((s) => !isErased(s.subarray(layout.sectorSize - ateSize, layout.sectorSize - ateSize + ATE_SIZE)));
  // The sector being written is the open one after a closed one; with none closed, sector 0.
  let open = 0;
  for (let i = 0; i < sectors.length; i++) {
    if (closed[i] && !closed[(i + 1) % sectors.length]) {
      open = (i + 1) % sectors.length;
      break;
    }
  }
  const found: Entry[] = [];
  // Oldest sector first: the one after the open sector, round to the open one.
  for (let step = 1; step <= sectors.length; step++) {
    const sector = sectors[(open + step) % sectors.length]!;
    for (let at = layout.sectorSize - 2 * ateSize; at >= 0; at -= ateSize) {
      const ate = sector.subarray(at, at + ATE_SIZE);
      if (isErased(ate)) break;
      if (crc8(ate.subarray(0, 7)) !== ate[7]) continue;
      const id = ate.readUInt16LE(0);
      const offset = ate.readUInt16LE(2);
      const len = ate.readUInt16LE(4);
      if (id === 0xffff || offset + len >= layout.sectorSize - ateSize) continue;
      found.push({ id, data: Buffer.from(sector.subarray(offset, offset + len)) });
    }
  }
  return found;
}

/** The stored settings by full name (e.g. `proplet/proplet_id`); deleted and half-written ones are absent. */
export function readNvsSettings(read: (offset: number, length: number) => Buffer, layout: NvsLayout): Map<string, Buffer> {
  const latest = new Map<number, Buffer>();
  for (const e of entries(read, layout)) latest.set(e.id, e.data);
  const settings = new Map<string, Buffer>();
  const count = latest.get(NAME_COUNT_ID);
  if (!count || count.length < 2) return settings;
  const highest = count.readUInt16LE(0);
  // Names later in the id range were saved later; the backend loads from the highest down.
  for (let id = highest; id > NAME_COUNT_ID; id--) {
    const name = latest.get(id);
    const value = latest.get(id + VALUE_ID_OFFSET);
    if (!name?.length || !value?.length) continue;
    const key = name.toString('utf8');
    if (!settings.has(key)) settings.set(key, value);
  }
  return settings;
}
