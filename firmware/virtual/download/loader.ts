import { createHash } from 'node:crypto';
import type { FlashStore } from '../flash.ts';
import { CHIP_ERASE_MS, chipDelay, eraseMs, md5Ms } from './chipTime.ts';
import { FlashDownload } from './flashDownload.ts';
import { FlashReadout } from './flashReadout.ts';
import { type Failure, type LoaderKind, Op, type Reply, dataChecksum, responsePacket } from './protocol.ts';
import { Registers } from './registers.ts';

export interface LoaderHost {
  flash: FlashStore;
  mac: Buffer;
  /** One packet towards the host, before SLIP framing. */
  send: (packet: Uint8Array) => void;
  setBaud: (baud: number) => void;
  reset: (kind: ResetKind) => void;
  /** Flash erases and MD5 sums take chip time before their answer. */
  pace: boolean;
}

/**
 * How the loader leaves: `software` is the reboot of FLASH_END (the chip keeps the boot mode
 * latched at its last chip reset, so a board strapped for download comes back to the ROM
 * loader); `runUserCode` jumps to the flash boot; `rtcWatchdog` is the RTC watchdog esptool
 * arms for `--after watchdog-reset`, whose RTC reset samples the strapping pins again.
 */
export type ResetKind = 'software' | 'runUserCode' | 'rtcWatchdog';

/** The ROM answers SYNC with this value (an echo of the sync word); the stub with 0. */
const ROM_SYNC_VALUE = 0x20120707;
const SYNC_BODY = 36;
const DATA_HEADER = 16;
const SECTOR = 0x1000;
/** The stub's READ_FLASH buffer holds at most 4096 bytes of one packet. */
const MAX_READ_PACKET = 4096;
const ESP32S3_CHIP_ID = 9;
const OHAI = Buffer.from('OHAI');
/** The ROM's READ_FLASH_SLOW reads at most 64 bytes per command and always answers 64. */
const SLOW_READ_BLOCK = 64;

const word = (data: Buffer, index: number) => data.readUInt32LE(index * 4);

/**
 * The command interpreter behind the UART in download mode. It starts as the ESP32-S3 ROM
 * loader and becomes the flasher stub once code uploaded with MEM_* is started: same commands,
 * the stub-only ones added, two status bytes instead of four, its own error codes, and like
 * esp-flasher-stub it answers FLASH_DATA/FLASH_DEFL_DATA/READ_FLASH before doing the work,
 * reporting a failure of that work in place of the next command's answer.
 */
export class Loader {
  private kind: LoaderKind = 'rom';
  /** Uploaded code other than a stub runs instead of the loader: nothing answers any more. */
  private running = false;
  private readonly registers: Registers;
  private download?: FlashDownload;
  private ram?: { offset: number; remaining: number };
  /** RAM written with MEM_DATA: MEM_END may only start code that was loaded. */
  private readonly loaded: Array<{ start: number; bytes: Buffer }> = [];
  private deferred?: Failure;
  private readout?: FlashReadout;
  private closed = false;

  constructor(private readonly host: LoaderHost) {
    this.registers = new Registers({
      mac: host.mac,
      flashSize: host.flash.size,
      // esptool arms the RTC watchdog and waits: the chip resets once it expires.
      watchdog: (ms) => {
        setTimeout(() => {
          if (!this.closed) this.host.reset('rtcWatchdog');
        }, ms);
      },
    });
  }

  private get isStub(): boolean {
    return this.kind === 'stub';
  }

  /** Drops all state; answers to work still in progress are never sent. */
  close(): void {
    this.closed = true;
    this.download?.close();
  }

  /** One decoded SLIP frame from the host; a promise while the frame's work is unfinished. */
  handle(frame: Buffer): Promise<void> | void {
    if (this.running) return;
    if (this.readout) {
      if (this.readout.take(frame)) return;
      this.readout = undefined;
      if (frame.length === 4) return;
    }
    if (frame.length < 8) return;
    const op = frame[1];
    const size = frame.readUInt16LE(2);
    const checksum = frame.readUInt32LE(4);
    const data = frame.subarray(8);
    if (frame[0] !== 0x00) {
      if (this.isStub) this.fail(op, 'invalidCommand');
      return;
    }
    if (size !== data.length) return this.fail(op, 'badLength');
    if (this.deferred) {
      const failure = this.deferred;
      this.deferred = undefined;
      return this.fail(op, failure);
    }
    return this.dispatch(op, data, checksum);
  }

  private dispatch(op: number, data: Buffer, checksum: number): Promise<void> | void {
    switch (op) {
      case Op.SYNC:
        return this.sync(data);
      case Op.READ_REG:
        if (data.length !== 4) return this.fail(op, 'badLength');
        return this.ok(op, { value: this.registers.read(word(data, 0)) });
      case Op.WRITE_REG:
        return this.writeReg(data);
      case Op.MEM_BEGIN:
        if (data.length !== 16) return this.fail(op, 'badLength');
        this.ram = { remaining: word(data, 0), offset: word(data, 3) };
        return this.ok(op);
      case Op.MEM_DATA:
        return this.memData(data, checksum);
      case Op.MEM_END:
        return this.memEnd(data);
      case Op.SPI_ATTACH:
        // The ROM takes an extra reserved word (serial-protocol.rst, "SPI Attach command").
        if (data.length !== 4 && !(data.length === 8 && !this.isStub)) return this.fail(op, 'badLength');
        return this.ok(op);
      case Op.SPI_SET_PARAMS:
        if (data.length !== 24) return this.fail(op, 'badLength');
        return this.ok(op);
      case Op.CHANGE_BAUDRATE:
        if (data.length !== 8) return this.fail(op, 'badLength');
        this.ok(op);
        // Word 0 is the new rate for both loaders; word 1 (0 to the ROM, the current rate to
        // the stub) only helps real silicon derive its clock divider. The answer still goes
        // out at the old rate; only then does the UART switch.
        return this.host.setBaud(word(data, 0));
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data);
      case Op.FLASH_DATA:
        return this.flashData(data, checksum);
      case Op.FLASH_DEFL_DATA:
        return this.flashDeflData(data, checksum);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(op, data);
      case Op.SPI_FLASH_MD5:
        return this.md5(data);
      case Op.GET_SECURITY_INFO:
        return this.securityInfo(data);
    }
    if (!this.isStub) {
      if (op === Op.READ_FLASH_SLOW) return this.readFlashSlow(data);
      return this.fail(op, 'invalidCommand');
    }
    switch (op) {
      case Op.ERASE_FLASH:
        this.host.flash.erase(0, this.host.flash.size);
        return this.later(CHIP_ERASE_MS, () => this.ok(op));
      case Op.ERASE_REGION:
        return this.eraseRegion(data);
      case Op.READ_FLASH:
        return this.readFlash(data);
      case Op.RUN_USER_CODE:
        // No answer: the stub leaves for the application.
        return this.host.reset('runUserCode');
    }
    return this.fail(op, 'invalidCommand');
  }

  private sync(data: Buffer): void {
    if (data.length !== SYNC_BODY) return this.fail(Op.SYNC, 'badLength');
    // Both loaders answer one SYNC eight times; the value tells esptool which one it reached.
    const value = this.isStub ? 0 : ROM_SYNC_VALUE;
    for (let i = 0; i < 8; i++) this.ok(Op.SYNC, { value });
  }

  private writeReg(data: Buffer): void {
    if (data.length === 0 || data.length % 16 !== 0) return this.fail(Op.WRITE_REG, this.isStub ? 'notEnoughData' : 'badLength');
    for (let i = 0; i < data.length / 4; i += 4) {
      this.registers.write(word(data, i), word(data, i + 1), word(data, i + 2));
    }
    this.ok(Op.WRITE_REG);
  }

  private memData(data: Buffer, checksum: number): void {
    const op = Op.MEM_DATA;
    if (data.length < DATA_HEADER) return this.fail(op, 'notEnoughData');
    if (!this.ram) return this.fail(op, 'notInFlashMode');
    const payload = data.subarray(DATA_HEADER);
    const length = word(data, 0);
    if (length !== payload.length || length > this.ram.remaining) return this.fail(op, 'tooMuchData');
    // The ROM checks MEM_DATA's checksum; esp-flasher-stub does not.
    if (!this.isStub && dataChecksum(payload) !== checksum) return this.fail(op, 'badChecksum');
    this.loaded.push({ start: this.ram.offset, bytes: Buffer.from(payload) });
    this.ram.offset += length;
    this.ram.remaining -= length;
    this.ok(op);
  }

  private memEnd(data: Buffer): void {
    const op = Op.MEM_END;
    if (data.length !== 8) return this.fail(op, 'badLength');
    if (!this.ram) return this.fail(op, 'notInFlashMode');
    this.ram = undefined;
    this.ok(op);
    const execute = word(data, 0) === 0;
    const entry = word(data, 1);
    if (!execute) return;
    // The model cannot run Xtensa code, so it tells a flasher stub from other RAM code by what
    // every esptool and esptool-js stub carries: the "OHAI" greeting it sends once it runs,
    // and an entry point inside the uploaded code. Anything else "runs" and is never heard
    // from again (a spin loop, or a jump to nowhere that would crash a real chip).
    const enters = this.loaded.some(({ start, bytes }) => entry >= start && entry < start + bytes.length);
    const greets = this.loaded.some(({ bytes }) => bytes.includes(OHAI));
    if (enters && greets) {
      this.kind = 'stub';
      this.host.send(OHAI);
    } else {
      this.running = true;
    }
  }

  private flashBegin(op: number, data: Buffer): Promise<void> | void {
    // 16 bytes, or 20 with the "encrypted" word the ROM takes (and the stub accepts).
    if (data.length !== 16 && data.length !== 20) return this.fail(op, 'badLength');
    this.download?.close();
    this.download = undefined;
    const [size, offset] = [word(data, 0), word(data, 3)];
    const session = FlashDownload.begin(this.host.flash, offset, size, op === Op.FLASH_DEFL_BEGIN);
    if (typeof session === 'string') return this.fail(op, session);
    this.download = session;
    // The ROM erases the whole region before it answers; the stub erases as the data comes.
    if (this.isStub) return this.ok(op);
    const start = offset - (offset % SECTOR);
    const end = Math.ceil((offset + size) / SECTOR) * SECTOR;
    return this.later(eraseMs(start, end - start), () => this.ok(op));
  }

  private flashData(data: Buffer, checksum: number): Promise<void> | void {
    const op = Op.FLASH_DATA;
    if (data.length < DATA_HEADER) return this.fail(op, 'notEnoughData');
    if (!this.download || this.download.compressed) return this.fail(op, 'notInFlashMode');
    const payload = data.subarray(DATA_HEADER);
    if (word(data, 0) !== payload.length) return this.fail(op, 'tooMuchData');
    if (dataChecksum(payload) !== checksum) return this.fail(op, 'badChecksum');
    this.download.write(payload);
    this.ok(op);
    if (this.isStub) return this.eraseWait(this.download);
  }

  /** The stub's write waits for its background erase where it has caught up with it. */
  private eraseWait(download: FlashDownload): Promise<void> | void {
    const ms = download.eraseWaitMs();
    if (!this.host.pace || ms <= 0) return;
    return chipDelay(ms);
  }

  private flashDeflData(data: Buffer, checksum: number): Promise<void> | void {
    const op = Op.FLASH_DEFL_DATA;
    if (data.length < DATA_HEADER) return this.fail(op, 'badLength');
    const download = this.download;
    if (!download || !download.compressed) return this.fail(op, 'notInFlashMode');
    const payload = data.subarray(DATA_HEADER);
    if (word(data, 0) !== payload.length) return this.fail(op, 'badLength');
    if (dataChecksum(payload) !== checksum) return this.fail(op, 'badChecksum');
    if (this.isStub) {
      // The stub acknowledges first and inflates while the host sends the next block.
      this.ok(op);
      return download.inflate(payload).then((failure) => {
        if (failure && !this.closed) this.deferred = failure;
        return this.eraseWait(download);
      });
    }
    // The ROM inflates and writes the block before it answers.
    return download.inflate(payload).then((failure) => {
      if (this.closed) return;
      if (failure) this.fail(op, failure);
      else this.ok(op);
    });
  }

  private flashEnd(op: number, data: Buffer): void {
    if (data.length !== 4) return this.fail(op, 'badLength');
    const download = this.download;
    if (!download) return this.fail(op, 'notInFlashMode');
    // The stub refuses to end a write that is short of what FLASH_BEGIN announced. The ROM
    // does not check: esptool's ROM path rounds the compressed write size up to whole blocks.
    if (this.isStub && download.remaining !== 0) return this.fail(op, 'badLength');
    download.close();
    this.download = undefined;
    this.ok(op);
    // 0 = reboot, 1 = run user code: the ROM leaves the loader either way, the stub only on 0.
    if (word(data, 0) === 0) this.host.reset('software');
    else if (!this.isStub) this.host.reset('runUserCode');
  }

  private md5(data: Buffer): Promise<void> | void {
    const op = Op.SPI_FLASH_MD5;
    if (data.length !== 16) return this.fail(op, 'badLength');
    const address = word(data, 0);
    const size = word(data, 1);
    if (address + size > this.host.flash.size) return this.fail(op, 'spiFailed');
    const digest = createHash('md5').update(this.host.flash.read(address, size)).digest();
    // The ROM answers 32 lowercase hex characters, the stub 16 raw bytes.
    return this.later(md5Ms(size), () => this.ok(op, { data: this.isStub ? digest : Buffer.from(digest.toString('hex'), 'ascii') }));
  }

  /** The ROM's own read: one block of at most 64 bytes per command, answered as 64 bytes. */
  private readFlashSlow(data: Buffer): void {
    const op = Op.READ_FLASH_SLOW;
    if (data.length !== 8) return this.fail(op, 'badLength');
    const [address, size] = [word(data, 0), word(data, 1)];
    if (size > SLOW_READ_BLOCK) return this.fail(op, 'badLength');
    if (address + size > this.host.flash.size) return this.fail(op, 'spiFailed');
    const block = Buffer.alloc(SLOW_READ_BLOCK);
    this.host.flash.read(address, Math.min(SLOW_READ_BLOCK, this.host.flash.size - address)).copy(block);
    this.ok(op, { data: block });
  }

  private securityInfo(data: Buffer): void {
    const op = Op.GET_SECURITY_INFO;
    if (data.length !== 0) return this.fail(op, 'badLength');
    // flags, flash_crypt_cnt, 7 key purposes (all clear: no secure boot, no encryption),
    // chip id, eco version (not read by esptool-js).
    const info = Buffer.alloc(20);
    info.writeUInt32LE(ESP32S3_CHIP_ID, 12);
    this.ok(op, { data: info });
  }

  private eraseRegion(data: Buffer): Promise<void> | void {
    const op = Op.ERASE_REGION;
    if (data.length !== 8) return this.fail(op, 'badLength');
    const address = word(data, 0);
    const size = word(data, 1);
    if (address % SECTOR !== 0 || size % SECTOR !== 0) return this.fail(op, 'badLength');
    if (address + size > this.host.flash.size) return this.fail(op, 'spiFailed');
    this.host.flash.erase(address, size);
    return this.later(eraseMs(address, size), () => this.ok(op));
  }

  private readFlash(data: Buffer): void {
    const op = Op.READ_FLASH;
    if (data.length !== 16) return this.fail(op, 'badLength');
    this.ok(op);
    const [address, size, packetSize] = [word(data, 0), word(data, 1), word(data, 2)];
    // Checked after the answer, so a failure surfaces as the next command's status.
    if (packetSize === 0 || packetSize > MAX_READ_PACKET) {
      this.deferred = 'badLength';
      return;
    }
    if (address + size > this.host.flash.size) {
      this.deferred = 'spiFailed';
      return;
    }
    const readout = new FlashReadout(this.host.flash, address, size, packetSize, this.host.send);
    if (readout.start()) this.readout = readout;
  }

  /** Answers after the chip time the work takes (with pacing on); later frames wait for it. */
  private later(ms: number, answer: () => void): Promise<void> | void {
    if (!this.host.pace || ms <= 0) return answer();
    return chipDelay(ms).then(() => {
      if (!this.closed) answer();
    });
  }

  private ok(op: number, reply: Reply = {}): void {
    this.host.send(responsePacket(this.kind, op, reply));
  }

  private fail(op: number, failure: Failure): void {
    this.host.send(responsePacket(this.kind, op, {}, failure));
  }
}
