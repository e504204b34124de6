/**
 * Cuts a byte stream into lines at `\n` (so `\r\n` and `\n` both end a line), holding a
 * partial line across chunks. Lines are cut as bytes and decoded whole, so a UTF-8 character
 * split between two chunks survives. A line longer than MAX_LINE_BYTES is cut there: noise
 * at the wrong baud may bring no newline for a long time.
 */
const MAX_LINE_BYTES = 4096;

export class LineFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete lines in this chunk, each with its line end, as received. */
  push(chunk: Uint8Array): Buffer[] {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const lines: Buffer[] = [];
    for (;;) {
      const nl = data.indexOf(0x0a);
      const end = nl >= 0 && nl < MAX_LINE_BYTES ? nl + 1 : data.length >= MAX_LINE_BYTES ? MAX_LINE_BYTES : -1;
      if (end < 0) break;
      lines.push(data.subarray(0, end));
      data = data.subarray(end);
    }
    this.pending = Buffer.from(data);
    return lines;
  }

  /** The bytes of the line not yet ended. */
  partial(): Buffer {
    return this.pending;
  }
}

// CSI sequences (colours, cursor moves, erase), OSC sequences, and two-byte escapes.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x1b(?:\[[0-?]*[ -/]*)?$/g;
// C0 controls except tab, DEL, and U+FFFD (what bytes at the wrong baud decode to).
const NOISE = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/g;

/** Decodes a line (lossy for bytes that are not UTF-8) and drops its line end. */
export function decodeLine(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8').replace(/\r?\n$/, '').replace(/\r$/, '');
}

/**
 * What a person sees of a decoded line: ANSI codes and control characters removed; a carriage
 * return inside the line starts it over, as on a terminal (the shell redraws its prompt so).
 * `segments` gives every carriage-return-separated piece, for prompts that were overwritten.
 */
export function visibleText(raw: string): string {
  const parts = segments(raw);
  return parts[parts.length - 1]!;
}

export function segments(raw: string): string[] {
  const parts = raw.split('\r').map((part) => part.replace(ANSI, '').replace(NOISE, ''));
  const shown = parts.filter((part) => part !== '');
  return shown.length ? shown : [''];
}
