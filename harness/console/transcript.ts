import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretMask } from './secretMask.ts';

/**
 * The raw console as a file: every byte as received (ANSI codes, noise and line ends
 * included), each line prefixed with the ISO time its first byte arrived. Bytes are written
 * with a synchronous write as they come, so a harness that crashes loses nothing it had read —
 * except, while secrets are known, the few bytes that could be the start of one, held back
 * until the line ends so that every secret is masked whole.
 */
export class Transcript {
  private fd: number | undefined;
  private atLineStart = true;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly path: string,
    private readonly mask = new SecretMask(),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  write(input: Uint8Array, at = new Date()): void {
    if (this.fd === undefined || input.length === 0) return;
    const masked = this.mask.bytes(Buffer.concat([this.pending, input]));
    const keep = masked[masked.length - 1] === 0x0a ? 0 : Math.min(this.mask.holdBack, masked.length);
    this.pending = masked.subarray(masked.length - keep);
    this.emit(masked.subarray(0, masked.length - keep), at);
  }

  private emit(chunk: Uint8Array, at: Date): void {
    if (this.fd === undefined || chunk.length === 0) return;
    const stamp = Buffer.from(`${at.toISOString()} `);
    const parts: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (this.atLineStart) parts.push(stamp);
      parts.push(Buffer.from(chunk.buffer, chunk.byteOffset + start, end - start));
      this.atLineStart = nl >= 0;
      start = end;
    }
    writeSync(this.fd, Buffer.concat(parts));
  }

  /** Ends an unfinished last line (a prompt) so the file ends with a newline, and closes. */
  close(): void {
    if (this.fd === undefined) return;
    this.emit(this.pending, new Date());
    this.pending = Buffer.alloc(0);
    if (!this.atLineStart) writeSync(this.fd, '\n');
    closeSync(this.fd);
    this.fd = undefined;
  }
}
