/**
 * The slice of the ESP32-S3 address space that READ_REG/WRITE_REG reach when esptool talks
 * to the chip: the chip-detect magic word, the eFuse words it decodes (MAC, revision,
 * package, embedded flash/PSRAM) and the SPI0 user-command registers it drives to read the
 * JEDEC flash id. Addresses and bit fields: esptool-js lib/targets/esp32s3.js and
 * lib/esploader.js (runSpiflashCommand). Everything else reads back what was last written, or 0.
 */

const CHIP_DETECT_MAGIC_REG = 0x40001000;
/** ESP32-S3's magic value (esptool-js magic2Chip). */
const ESP32S3_MAGIC = 0x9;

const EFUSE_BLOCK1 = 0x60007044;
const EFUSE_BLOCK2 = 0x6000705c;

const SPI_BASE = 0x60002000;
const SPI_CMD = SPI_BASE + 0x00;
const SPI_USR2 = SPI_BASE + 0x20;
const SPI_W0 = SPI_BASE + 0x58;
const SPI_CMD_USR = 1 << 18;

const SPIFLASH_RDID = 0x9f;
const SPIFLASH_RDSR = 0x05;

/** Chip revision v0.2: minor 2, major 0 (esp32s3.js getMinorChipVersion/getMajorChipVersion). */
const MINOR_REVISION = 2;
const MAJOR_REVISION = 0;
/** eFuse block version v1.1, as on v0.1/v0.2 parts; with minor ≠ 0 it is not read as ECO0. */
const BLK_VERSION_MAJOR = 1;
const BLK_VERSION_MINOR = 1;

export interface ChipIdentity {
  mac: Buffer;
  flashSize: number;
}

/** GigaDevice (0xC8) GD25Q-series id, capacity byte = log2(size): 0x17 for 8 MiB. */
export function jedecId(flashSize: number): number {
  const capacity = Math.log2(flashSize);
  return 0xc8 | (0x40 << 8) | (capacity << 16);
}

export class Registers {
  private readonly fixed = new Map<number, number>();
  private readonly memory = new Map<number, number>();
  private readonly flashId: number;

  constructor(identity: ChipIdentity) {
    const { mac } = identity;
    this.flashId = jedecId(identity.flashSize);
    this.fixed.set(CHIP_DETECT_MAGIC_REG, ESP32S3_MAGIC);
    // BLOCK1 word 0 holds MAC bytes 2..5 (MSB first), word 1 bytes 0..1 in its low half.
    this.fixed.set(EFUSE_BLOCK1, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0);
    this.fixed.set(EFUSE_BLOCK1 + 4, (mac[0] << 8) | mac[1]);
    // Word 3: package 0 (QFN56) in 21..23, minor revision low bits in 18..20, block version
    // minor in 24..26, embedded flash 0 in 27..29. Word 4: no embedded PSRAM, no flash vendor.
    this.fixed.set(EFUSE_BLOCK1 + 12, (((MINOR_REVISION & 0x7) << 18) | (BLK_VERSION_MINOR << 24)) >>> 0);
    this.fixed.set(EFUSE_BLOCK1 + 16, 0);
    // Word 5: minor revision high bit in 23, major revision in 24..25.
    this.fixed.set(EFUSE_BLOCK1 + 20, (((MINOR_REVISION >> 3) << 23) | (MAJOR_REVISION << 24)) >>> 0);
    this.fixed.set(EFUSE_BLOCK2 + 16, BLK_VERSION_MAJOR);
  }

  read(address: number): number {
    const addr = address >>> 0;
    return this.fixed.get(addr) ?? this.memory.get(addr) ?? 0;
  }

  write(address: number, value: number, mask: number): void {
    const addr = address >>> 0;
    if (this.fixed.has(addr)) return; // ROM and eFuse words are read-only
    const merged = mask === 0xffffffff ? value : (value & mask) | (this.read(addr) & ~mask);
    this.memory.set(addr, merged >>> 0);
    if (addr === SPI_CMD && (merged & SPI_CMD_USR) !== 0) this.runSpiUserCommand();
  }

  /** The SPI0 "user command" finishes at once: the result lands in W0, the USR bit clears. */
  private runSpiUserCommand(): void {
    const command = this.read(SPI_USR2) & 0xff;
    if (command === SPIFLASH_RDID) this.memory.set(SPI_W0, this.flashId);
    else if (command === SPIFLASH_RDSR) this.memory.set(SPI_W0, 0);
    this.memory.set(SPI_CMD, this.read(SPI_CMD) & ~SPI_CMD_USR);
  }
}
