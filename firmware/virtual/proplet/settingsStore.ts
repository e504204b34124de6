import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { Chip } from '../app.ts';

/** The storage partition fixed by the board overlay (CONTRACT.md §2.2; 0x10000 long, of which two sectors are used). */
export const STORAGE_OFFSET = 0x3f0000;

const SECTOR = 0x1000;
const MAGIC = 0x50534554; // "PSET"
const HEADER = 16;

const StoredValues = z.record(z.string(), z.string());

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type Flash = Pick<Chip, 'flashRead' | 'flashWrite' | 'flashErase'>;

interface StoredRecord {
  sector: number;
  seq: number;
  values: Record<string, string>;
}

/**
 * The settings as one JSON record in two alternating sectors, each stamped with a sequence
 * number and a CRC: a save erases and writes the older sector only, so a power cut in the
 * middle of a save leaves the previous record intact (NVS gives the real firmware the same).
 */
export class SettingsStore {
  constructor(private readonly flash: Flash) {}

  /** The newest intact record's values; empty when the partition is erased or torn. */
  load(): Record<string, string> {
    return this.newest()?.values ?? {};
  }

  /** Throws RangeError when the values do not fit a sector (the shell reports -ENOSPC). */
  save(values: Record<string, string>): void {
    const body = Buffer.from(JSON.stringify(values), 'utf8');
    if (body.length > SECTOR - HEADER) throw new RangeError('settings record does not fit its sector');
    const newest = this.newest();
    const sector = newest ? 1 - newest.sector : 0;
    const seq = (newest?.seq ?? 0) + 1;
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(seq, 4);
    header.writeUInt32LE(body.length, 8);
    header.writeUInt32LE(crc32(Buffer.concat([header.subarray(4, 12), body])), 12);
    this.flash.flashErase(STORAGE_OFFSET + sector * SECTOR, SECTOR);
    this.flash.flashWrite(STORAGE_OFFSET + sector * SECTOR, Buffer.concat([header, body]));
  }

  private newest(): StoredRecord | undefined {
    const records = [0, 1].map((s) => this.read(s)).filter((r): r is StoredRecord => r !== undefined);
    return records.sort((a, b) => b.seq - a.seq)[0];
  }

  private read(sector: number): StoredRecord | undefined {
    const raw = this.flash.flashRead(STORAGE_OFFSET + sector * SECTOR, SECTOR);
    if (raw.readUInt32LE(0) !== MAGIC) return undefined;
    const length = raw.readUInt32LE(8);
    if (length > SECTOR - HEADER) return undefined;
    const body = raw.subarray(HEADER, HEADER + length);
    if (crc32(Buffer.concat([raw.subarray(4, 12), body])) !== raw.readUInt32LE(12)) return undefined;
    const values = StoredValues.safeParse(parseJson(body.toString('utf8')));
    return values.success ? { sector, seq: raw.readUInt32LE(4), values: values.data } : undefined;
  }
}
