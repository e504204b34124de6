import { createHash, type Hash } from 'node:crypto';
import type { FlashStore } from '../flash.ts';

/**
 * The stub's READ_FLASH stream (serial-protocol.rst, "Reading Flash"): raw SLIP packets of
 * `packetSize` bytes, each acknowledged by the host with a 4-byte total-received count, then
 * a 16-byte MD5 of everything sent. esp-flasher-stub keeps one packet in flight whatever the
 * host asks for, because esptool cannot keep up with more.
 */
export class FlashReadout {
  private offset: number;
  private unsent: number;
  private acked = 0;
  private readonly md5: Hash = createHash('md5');

  constructor(
    private readonly flash: FlashStore,
    offset: number,
    private readonly size: number,
    private readonly packetSize: number,
    private readonly send: (packet: Uint8Array) => void,
  ) {
    this.offset = offset;
    this.unsent = size;
  }

  /** Sends the first packet; false when there was nothing to read and the stream is over. */
  start(): boolean {
    return this.next();
  }

  /**
   * Takes a frame that arrived during the stream; false once the stream is over. Anything
   * but a 4-byte ack ends it early, as in the stub, which then still sends the digest.
   */
  take(frame: Buffer): boolean {
    if (frame.length !== 4) {
      this.finish();
      return false;
    }
    this.acked = frame.readUInt32LE(0);
    return this.next();
  }

  private next(): boolean {
    if (this.unsent > 0) {
      const length = Math.min(this.unsent, this.packetSize);
      const packet = this.flash.read(this.offset, length);
      this.md5.update(packet);
      this.send(packet);
      this.offset += length;
      this.unsent -= length;
      return true;
    }
    if (this.acked < this.size) return true;
    this.finish();
    return false;
  }

  private finish(): void {
    this.send(this.md5.digest());
  }
}
