/** What stands in a file or log for a secret the harness knows. */
export const MASK = '***';
/** Shorter values are not masked: they would blot out ordinary text (no valid key or PSK is this short). */
const MIN_SECRET = 4;

/**
 * The secrets a board's console may show (the API key and Wi-Fi PSK the harness types into
 * its shell, which the shell echoes), masked in everything written from it. Bytes are matched
 * as bytes, so a transcript stays byte-exact elsewhere. HIL_RAW_TRANSCRIPT=1 turns masking off
 * for a person who needs the raw bytes.
 */
export class SecretMask {
  private readonly secrets = new Set<string>();
  readonly enabled = process.env.HIL_RAW_TRANSCRIPT !== '1';

  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= MIN_SECRET) this.secrets.add(Buffer.from(v, 'utf8').toString('latin1'));
  }

  /** The longest secret in bytes: a stream must hold back one byte less so that none is split. */
  get holdBack(): number {
    return this.enabled ? Math.max(0, ...[...this.secrets].map((s) => s.length - 1)) : 0;
  }

  bytes(data: Buffer): Buffer {
    if (!this.enabled || this.secrets.size === 0) return data;
    let text = data.toString('latin1');
    for (const s of this.secrets) text = text.split(s).join(MASK);
    return Buffer.from(text, 'latin1');
  }

  text(line: string): string {
    return this.bytes(Buffer.from(line, 'utf8')).toString('utf8');
  }
}
