/**
 * The slice of the ESP32-S3 address space that READ_REG/WRITE_REG reach when esptool talks
 * to the chip: the chip-detect magic word, the eFuse words it decodes (MAC, revision,
 * package, embedded flash/PSRAM), the SPI0 user-command registers it drives to read the
 * JEDEC flash id, status and SFDP, and the RTC watchdog esptool arms for
 * `--after watchdog-reset`. Addresses and bit fields: esptool's targets/esp32s3.py and
 * loader.py (run_spiflash_command), esptool-js lib/targets/esp32s3.js. Everything else reads
 * back what was last written, or 0.
 */

const CHIP_DETECT_MAGIC_REG = 0x40001000;
/** ESP32-S3's magic value (esptool-js magic2Chip). */
const ESP32S3_MAGIC = 0x9;

const EFUSE_BLOCK1 = 0x60007044;
const EFUSE_BLOCK2 = 0x6000705c;

const SPI_BASE = 0x60002000;
const SPI_CMD = SPI_BASE + 0x00;
const SPI_ADDR = SPI_BASE + 0x04;
const SPI_USR2 = SPI_BASE + 0x20;
const SPI_W0 = SPI_BASE + 0x58;
const SPI_CMD_USR = 1 << 18;

const SPIFLASH_RDID = 0x9f;
const SPIFLASH_RDSR = 0x05;
const SPIFLASH_RDSFDP = 0x5a;

/** RTC watchdog: write-protected by a key; stage 0 action 5 is an RTC reset of the chip. */
const RTC_CNTL_WDTCONFIG0 = 0x60008098;
const RTC_CNTL_WDTCONFIG1 = 0x6000809c;
const RTC_CNTL_WDTWPROTECT = 0x600080b0;
const RTC_CNTL_WDT_WKEY = 0x50d83aa1;
const WDT_EN = 1 << 31;
const WDT_STAGE0_RTC_RESET = 5;
/** The RTC slow clock (internal RC) runs at about 136 kHz: WDTCONFIG1 counts its cycles. */
const RTC_SLOW_HZ = 136_000;

/**
 * The flash's SFDP table (JESD216) as a GD25Q64-class part answers it: the "SFDP" signature,
 * two parameter headers (the basic flash parameter table, then the vendor's, whose id byte
 * 0x10 is the manufacturer, 0xC8 — the byte esptool reads to tell an XMC part), and the basic
 * table's nine words (erase types 4K/32K/64K, 64 Mbit density). Unused bytes read 0xFF.
 */
function sfdpTable(flashSize: number): Buffer {
  const table = Buffer.alloc(256, 0xff);
  table.write('SFDP', 0, 'ascii');
  table.set([0x00, 0x01, 0x01, 0xff], 4); // revision 1.0, two headers, unused
  table.set([0x00, 0x00, 0x01, 0x09, 0x30, 0x00, 0x00, 0xff], 8); // BFPT v1.0, 9 words at 0x30
  table.set([0xc8, 0x00, 0x01, 0x03, 0x90, 0x00, 0x00, 0xff], 16); // vendor table, 3 words at 0x90
  const bfpt = [0xfff920e5, flashSize * 8 - 1, 0x6b08eb44, 0xbb423b08, 0xffffffee, 0xff00ffff, 0xff00ffff, 0x520f200c, 0xff00d810];
  bfpt.forEach((w, i) => table.writeUInt32LE(w >>> 0, 0x30 + i * 4));
  return table;
}

/** Chip revision v0.2: minor 2, major 0 (esp32s3.js getMinorChipVersion/getMajorChipVersion). */
const MINOR_REVISION = 2;
const MAJOR_REVISION = 0;
/** eFuse block version v1.1, as on v0.1/v0.2 parts; with minor ≠ 0 it is not read as ECO0. */
const BLK_VERSION_MAJOR = 1;
const BLK_VERSION_MINOR = 1;
const PSRAM_CAP_8MB = 1;
const PSRAM_VENDOR_AP_3V3 = 1;

export interface ChipIdentity {
  mac: Buffer;
  flashSize: number;
  /** The RTC watchdog was armed to reset the chip after this many ms. */
  watchdog?: (ms: number) => void;
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
  private readonly sfdp: Buffer;

  constructor(private readonly identity: ChipIdentity) {
    const { mac } = identity;
    this.flashId = jedecId(identity.flashSize);
    this.sfdp = sfdpTable(identity.flashSize);
    this.fixed.set(CHIP_DETECT_MAGIC_REG, ESP32S3_MAGIC);
    // BLOCK1 word 0 holds MAC bytes 2..5 (MSB first), word 1 bytes 0..1 in its low half.
    this.fixed.set(EFUSE_BLOCK1, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0);
    this.fixed.set(EFUSE_BLOCK1 + 4, (mac[0] << 8) | mac[1]);
    // Word 3: package 0 (QFN56) in 21..23, minor revision low bits in 18..20, block version
    // minor in 24..26, embedded flash 0 in 27..29. Word 4: the chip of an N8R8 module
    // (ESP32-S3R8): PSRAM capacity 1 (8 MB) in 3..4, PSRAM vendor 1 (AP, 3.3 V) in 7..8; no
    // embedded flash, so no flash vendor in 0..2.
    this.fixed.set(EFUSE_BLOCK1 + 12, (((MINOR_REVISION & 0x7) << 18) | (BLK_VERSION_MINOR << 24)) >>> 0);
    this.fixed.set(EFUSE_BLOCK1 + 16, (PSRAM_CAP_8MB << 3) | (PSRAM_VENDOR_AP_3V3 << 7));
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
    const locked = this.read(RTC_CNTL_WDTWPROTECT) !== RTC_CNTL_WDT_WKEY;
    if ((addr === RTC_CNTL_WDTCONFIG0 || addr === RTC_CNTL_WDTCONFIG1) && locked) return;
    const merged = mask === 0xffffffff ? value : (value & mask) | (this.read(addr) & ~mask);
    this.memory.set(addr, merged >>> 0);
    if (addr === SPI_CMD && (merged & SPI_CMD_USR) !== 0) this.runSpiUserCommand();
    if (addr === RTC_CNTL_WDTCONFIG0) this.armWatchdog(merged >>> 0);
  }

  /** Enabled with an RTC reset as its first stage: the chip resets when the stage times out. */
  private armWatchdog(config: number): void {
    if ((config & WDT_EN) === 0 || ((config >>> 28) & 0x7) !== WDT_STAGE0_RTC_RESET) return;
    const cycles = this.read(RTC_CNTL_WDTCONFIG1);
    this.identity.watchdog?.((cycles / RTC_SLOW_HZ) * 1000);
  }

  /** The SPI0 "user command" finishes at once: the result lands in W0, the USR bit clears. */
  private runSpiUserCommand(): void {
    const command = this.read(SPI_USR2) & 0xff;
    if (command === SPIFLASH_RDID) this.memory.set(SPI_W0, this.flashId);
    else if (command === SPIFLASH_RDSR) this.memory.set(SPI_W0, 0);
    else if (command === SPIFLASH_RDSFDP) {
      // 24-bit address, up to 32 bits back, least significant byte first.
      const at = this.read(SPI_ADDR) & 0xffffff;
      const bytes = [0, 1, 2, 3].map((i) => this.sfdp[at + i] ?? 0xff);
      this.memory.set(SPI_W0, Buffer.from(bytes).readUInt32LE(0));
    }
    this.memory.set(SPI_CMD, this.read(SPI_CMD) & ~SPI_CMD_USR);
  }
}
