/**
 * SLIP framing as the ESP ROM loader and the flasher stub speak it: 0xC0 delimits a frame,
 * 0xDB 0xDC stands for 0xC0 and 0xDB 0xDD for 0xDB inside one.
 */

const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

/** A request carries at most a 65535-byte body plus its 8-byte header. */
const MAX_FRAME = 0xffff + 8;

export function slipEncode(packet: Uint8Array): Buffer {
  let specials = 0;
  for (let i = 0; i < packet.length; i++) {
    const b = packet[i];
    if (b === END || b === ESC) specials++;
  }
  const out = Buffer.allocUnsafe(packet.length + specials + 2);
  let o = 0;
  out[o++] = END;
  if (specials === 0) {
    out.set(packet, 1);
    o += packet.length;
  } else {
    for (let i = 0; i < packet.length; i++) {
      const b = packet[i];
      if (b === END) {
        out[o++] = ESC;
        out[o++] = ESC_END;
      } else if (b === ESC) {
        out[o++] = ESC;
        out[o++] = ESC_ESC;
      } else {
        out[o++] = b;
      }
    }
  }
  out[o] = END;
  return out;
}

/**
 * Incremental decoder: bytes arrive in any chunking, each complete frame is handed over once.
 * Bytes before the first 0xC0 are line noise (a boot banner echo); a frame with a bad escape
 * or longer than any request could be is dropped up to the next 0xC0.
 */
export class SlipDecoder {
  private buf = Buffer.allocUnsafe(0x4000 + 64);
  private len = 0;
  private inFrame = false;
  private escaping = false;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === END) {
        // Every 0xC0 both ends a frame and opens the next, so no real frame is ever lost.
        const frame = this.inFrame && this.len > 0 ? Buffer.from(this.buf.subarray(0, this.len)) : undefined;
        this.len = 0;
        this.inFrame = true;
        this.escaping = false;
        if (frame) this.onFrame(frame);
        continue;
      }
      if (!this.inFrame) continue;
      let value = b;
      if (this.escaping) {
        this.escaping = false;
        if (b === ESC_END) value = END;
        else if (b === ESC_ESC) value = ESC;
        else {
          this.reset();
          continue;
        }
      } else if (b === ESC) {
        this.escaping = true;
        continue;
      }
      if (this.len === this.buf.length) {
        if (this.len >= MAX_FRAME) {
          this.reset();
          continue;
        }
        const grown = Buffer.allocUnsafe(Math.min(this.buf.length * 2, MAX_FRAME));
        this.buf.copy(grown, 0, 0, this.len);
        this.buf = grown;
      }
      this.buf[this.len++] = value;
    }
  }

  reset(): void {
    this.len = 0;
    this.inFrame = false;
    this.escaping = false;
  }
}
