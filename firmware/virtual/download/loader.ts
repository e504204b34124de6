import { createHash } from 'node:crypto';
import type { FlashStore } from '../flash.ts';
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
  reset: (cause: 'hard') => void;
}

/** The ROM answers SYNC with this value (an echo of the sync word); the stub with 0. */
const ROM_SYNC_VALUE = 0x20120707;
const SYNC_BODY = 36;
const DATA_HEADER = 16;
const SECTOR = 0x1000;
/** The stub's READ_FLASH buffer holds at most 4096 bytes of one packet. */
const MAX_READ_PACKET = 4096;
const ESP32S3_CHIP_ID = 9;
const OHAI = Buffer.from('OHAI');

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
  private readonly registers: Registers;
  private download?: FlashDownload;
  private ram?: { offset: number; remaining: number };
  /** RAM ranges written with MEM_DATA: MEM_END may only start code that was loaded. */
  private readonly loaded: Array<[number, number]> = [];
  private deferred?: Failure;
  private readout?: FlashReadout;
  private closed = false;

  constructor(private readonly host: LoaderHost) {
    this.registers = new Registers({ mac: host.mac, flashSize: host.flash.size });
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
    if (!this.isStub) return this.fail(op, 'invalidCommand');
    switch (op) {
      case Op.ERASE_FLASH:
        this.host.flash.erase(0, this.host.flash.size);
        return this.ok(op);
      case Op.ERASE_REGION:
        return this.eraseRegion(data);
      case Op.READ_FLASH:
        return this.readFlash(data);
      case Op.RUN_USER_CODE:
        // No answer: the stub leaves for the application.
        return this.host.reset('hard');
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
    this.loaded.push([this.ram.offset, this.ram.offset + length]);
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
    // The only RAM code anyone uploads here is esptool's flasher stub; it greets with OHAI.
    // An entry point outside the uploaded code would crash a real chip: it stays silent.
    if (execute && this.loaded.some(([start, end]) => entry >= start && entry < end)) {
      this.kind = 'stub';
      this.host.send(OHAI);
    }
  }

  private flashBegin(op: number, data: Buffer): void {
    // 16 bytes, or 20 with the "encrypted" word the ROM takes (and the stub accepts).
    if (data.length !== 16 && data.length !== 20) return this.fail(op, 'badLength');
    this.download?.close();
    this.download = undefined;
    const session = FlashDownload.begin(this.host.flash, word(data, 3), word(data, 0), op === Op.FLASH_DEFL_BEGIN);
    if (typeof session === 'string') return this.fail(op, session);
    this.download = session;
    this.ok(op);
  }

  private flashData(data: Buffer, checksum: number): void {
    const op = Op.FLASH_DATA;
    if (data.length < DATA_HEADER) return this.fail(op, 'notEnoughData');
    if (!this.download || this.download.compressed) return this.fail(op, 'notInFlashMode');
    const payload = data.subarray(DATA_HEADER);
    if (word(data, 0) !== payload.length) return this.fail(op, 'tooMuchData');
    if (dataChecksum(payload) !== checksum) return this.fail(op, 'badChecksum');
    this.download.write(payload);
    this.ok(op);
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
    if (!this.isStub || word(data, 0) === 0) this.host.reset('hard');
  }

  private md5(data: Buffer): void {
    const op = Op.SPI_FLASH_MD5;
    if (data.length !== 16) return this.fail(op, 'badLength');
    const address = word(data, 0);
    const size = word(data, 1);
    if (address + size > this.host.flash.size) return this.fail(op, 'spiFailed');
    const digest = createHash('md5').update(this.host.flash.read(address, size)).digest();
    // The ROM answers 32 lowercase hex characters, the stub 16 raw bytes.
    this.ok(op, { data: this.isStub ? digest : Buffer.from(digest.toString('hex'), 'ascii') });
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

  private eraseRegion(data: Buffer): void {
    const op = Op.ERASE_REGION;
    if (data.length !== 8) return this.fail(op, 'badLength');
    const address = word(data, 0);
    const size = word(data, 1);
    if (address % SECTOR !== 0 || size % SECTOR !== 0) return this.fail(op, 'badLength');
    if (address + size > this.host.flash.size) return this.fail(op, 'spiFailed');
    this.host.flash.erase(address, size);
    this.ok(op);
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

  private ok(op: number, reply: Reply = {}): void {
    this.host.send(responsePacket(this.kind, op, reply));
  }

  private fail(op: number, failure: Failure): void {
    this.host.send(responsePacket(this.kind, op, {}, failure));
  }
}
