import { HilError } from '../errors.ts';

/**
 * A Zephyr settings partition image (NVS backend), written as the firmware itself would have
 * written it: Zephyr's NVS (subsys/fs/nvs/nvs.c) mounted on an erased partition, then one
 * `settings_save_one()` per key through the NVS settings backend
 * (subsys/settings/src/settings_nvs.c). Flashed to the storage partition, it provisions a
 * firmware that has no shell (upstream's embedded proplet reads `proplet/…` at boot).
 * docs/upstream-firmware.md cites the sources for every constant here.
 */

/** Where the partition lies and how NVS divides it. */
export interface NvsGeometry {
  /** Flash offset of the storage partition. */
  offset: number;
  /** Bytes in the partition; the image is this long, erased (0xff) beyond what NVS uses. */
  size: number;
  /** NVS sector: CONFIG_SETTINGS_NVS_SECTOR_SIZE_MULT × the flash erase page. */
  sectorSize: number;
  /** NVS sectors: CONFIG_SETTINGS_NVS_SECTOR_COUNT, capped by what fits the partition. */
  sectorCount: number;
  /** The flash driver's write-block-size: data and entries are padded to it. */
  writeBlockSize: number;
}

/**
 * esp32s3_devkitc/esp32s3/procpu as Zephyr 4.x lays it out without MCUboot
 * (partitions_0x0_amp_4M.dtsi: storage_partition at 0x3B0000, 192 KiB); the ESP32-S3 flash
 * erases 4096-byte pages and writes 4-byte blocks (esp32s3_common.dtsi); Zephyr's default
 * CONFIG_SETTINGS_NVS_SECTOR_COUNT is 8.
 */
export const ESP32S3_DEVKITC_SETTINGS: NvsGeometry = { offset: 0x3b0000, size: 0x30000, sectorSize: 4096, sectorCount: 8, writeBlockSize: 4 };

/** settings_nvs.h: the entry holding the highest name id in use, and the name → value id offset. */
export const NVS_NAMECNT_ID = 0x8000;
export const NVS_NAME_ID_OFFSET = 0x4000;

/** struct nvs_ate: u16 id, u16 offset, u16 len, u8 part, u8 crc8. */
const ATE_BYTES = 8;
const ERASED = 0xff;
/** Id of the sector-close and gc-done entries. */
const SPECIAL_ID = 0xffff;

/** Zephyr's crc8_ccitt (lib/crc/crc8_sw.c): polynomial 0x07, MSB first, no final xor; NVS seeds it with 0xff. */
export function crc8Ccitt(seed: number, data: Uint8Array): number {
  let crc = seed & 0xff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** NVS on a blank partition, advancing exactly as nvs_write() does; garbage collection never has anything to move. */
class NvsWriter {
  readonly image: Buffer;
  private readonly ate: number;
  private sector = 0;
  /** Offsets inside the current sector. */
  private ateWra: number;
  private dataWra = 0;

  constructor(private readonly g: NvsGeometry) {
    if (g.sectorCount < 2) throw new RangeError('NVS needs at least two sectors');
    if (g.sectorSize * g.sectorCount > g.size) throw new RangeError('NVS sectors do not fit the partition');
    this.image = Buffer.alloc(g.size, ERASED);
    this.ate = this.align(ATE_BYTES);
    // nvs_startup() on erased flash: the last slot stays free for the sector's close entry,
    // and a gc-done entry goes in the slot below it.
    this.ateWra = g.sectorSize - 2 * this.ate;
    this.writeAte(SPECIAL_ID, this.dataWra, 0);
  }

  write(id: number, data: Uint8Array): void {
    const max = this.g.sectorSize - 4 * this.ate;
    if (data.length === 0 || data.length > max) throw new RangeError(`an NVS entry holds 1..${max} bytes, not ${data.length}`);
    // One ATE is always kept back for a delete (nvs_write: required_space).
    const required = this.align(data.length) + this.ate;
    if (this.ateWra < this.dataWra + required) this.nextSector();
    this.image.set(data, this.at(this.dataWra));
    const offset = this.dataWra;
    this.dataWra += this.align(data.length);
    this.writeAte(id, offset, data.length);
  }

  private nextSector(): void {
    // nvs_sector_close(): the close entry points at the sector's last ATE.
    const lastAte = this.ateWra + this.ate;
    this.ateWra = this.g.sectorSize - this.ate;
    this.writeAte(SPECIAL_ID, lastAte, 0);
    // Moving into the last sector would make nvs_gc() recycle sector 0, which holds data.
    if (this.sector + 2 >= this.g.sectorCount) {
      throw new HilError('the settings do not fit the NVS partition', 'shorten the values (certificates are the large ones)', 2);
    }
    this.sector++;
    this.ateWra = this.g.sectorSize - 2 * this.ate;
    this.dataWra = 0;
    // nvs_gc() on an erased sector copies nothing, then marks gc as done.
    this.writeAte(SPECIAL_ID, this.dataWra, 0);
  }

  private writeAte(id: number, offset: number, len: number): void {
    const entry = Buffer.alloc(this.ate, ERASED);
    entry.writeUInt16LE(id, 0);
    entry.writeUInt16LE(offset, 2);
    entry.writeUInt16LE(len, 4);
    entry[6] = 0xff; // part: unused, always 0xff
    entry[7] = crc8Ccitt(0xff, entry.subarray(0, 7));
    this.image.set(entry, this.at(this.ateWra));
    this.ateWra -= this.ate;
  }

  private at(offsetInSector: number): number {
    return this.sector * this.g.sectorSize + offsetInSector;
  }

  private align(n: number): number {
    const b = this.g.writeBlockSize;
    return b <= 1 ? n : Math.ceil(n / b) * b;
  }
}

/**
 * The partition image holding `settings` (full names, e.g. `proplet/proplet_id` → its value),
 * saved in the given order as settings_nvs_save() saves new names: the value at name id +
 * 0x4000, then the name, then the highest name id at 0x8000.
 */
export function settingsImage(settings: Iterable<readonly [name: string, value: string | Uint8Array]>, geometry: NvsGeometry = ESP32S3_DEVKITC_SETTINGS): Buffer {
  const nvs = new NvsWriter(geometry);
  const seen = new Set<string>();
  let lastNameId = NVS_NAMECNT_ID;
  for (const [name, value] of settings) {
    if (seen.has(name)) throw new RangeError(`setting ${name} given twice`);
    seen.add(name);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    // An empty value is a delete in the settings API: nothing to store.
    if (bytes.length === 0) continue;
    const nameId = ++lastNameId;
    if (nameId >= NVS_NAMECNT_ID + NVS_NAME_ID_OFFSET) throw new RangeError('more settings than name ids');
    nvs.write(nameId + NVS_NAME_ID_OFFSET, bytes);
    nvs.write(nameId, Buffer.from(name, 'utf8'));
    const count = Buffer.alloc(2);
    count.writeUInt16LE(nameId, 0);
    nvs.write(NVS_NAMECNT_ID, count);
  }
  return nvs.image;
}
