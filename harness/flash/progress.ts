import type { Logger } from '../log.ts';
import { hex } from './manifest.ts';

/** What happened to one region. */
export type RegionOutcome = 'written' | 'unchanged';

/** Where the flasher reports how a region is going: a TTY line, or log events. */
export interface FlashProgress {
  begin(region: string, offset: number, bytes: number): void;
  /** `fraction` of the region's bytes are on the board. */
  update(region: string, fraction: number): void;
  end(region: string, outcome: RegionOutcome, ms: number): void;
}

const KIB = 1024;

function rate(bytes: number, ms: number): string {
  return ms > 0 ? `${((bytes / KIB) * (1000 / ms)).toFixed(0)} KiB/s` : '-';
}

/**
 * One line per region on a terminal, rewritten in place: bytes, rate, ETA. The bytes are the
 * region's own (uncompressed) bytes, estimated from the share of compressed data sent.
 */
export class TtyProgress implements FlashProgress {
  private current?: { region: string; offset: number; bytes: number; started: number };

  constructor(
    private readonly board: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  begin(region: string, offset: number, bytes: number): void {
    this.current = { region, offset, bytes, started: performance.now() };
    this.draw(0);
  }

  update(_region: string, fraction: number): void {
    this.draw(fraction);
  }

  end(region: string, outcome: RegionOutcome, ms: number): void {
    const c = this.current;
    if (!c || c.region !== region) return;
    const what = outcome === 'unchanged' ? 'unchanged, skipped' : `written and verified, ${rate(c.bytes, ms)}`;
    this.out.write(`\r\x1b[2K${this.prefix()} ${c.bytes} B ${what} in ${(ms / 1000).toFixed(1)} s\n`);
    this.current = undefined;
  }

  /** Ends a line left open by a failure, so the error starts on a line of its own. */
  interrupted(): void {
    if (this.current) this.out.write('\n');
    this.current = undefined;
  }

  private prefix(): string {
    const c = this.current!;
    return `${this.board} ${c.region} @${hex(c.offset)}:`;
  }

  private draw(fraction: number): void {
    const c = this.current;
    if (!c) return;
    const ms = performance.now() - c.started;
    const done = Math.round(c.bytes * fraction);
    const eta = fraction > 0 ? `${((ms / fraction - ms) / 1000).toFixed(1)} s` : '-';
    const pct = (fraction * 100).toFixed(0).padStart(3);
    this.out.write(`\r\x1b[2K${this.prefix()} ${pct}% ${done}/${c.bytes} B ${rate(done, ms)} ETA ${eta}`);
  }
}

/** Log events for CI and files: region start and end, and progress at every quarter. */
export class LogProgress implements FlashProgress {
  private quarter = new Map<string, number>();
  private sizes = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  begin(region: string, offset: number, bytes: number): void {
    this.quarter.set(region, 0);
    this.sizes.set(region, bytes);
    this.log.debug({ event: 'flash.region', region, offset: hex(offset), bytes }, `${region}: checking ${bytes} B at ${hex(offset)}`);
  }

  update(region: string, fraction: number): void {
    const q = Math.floor(fraction * 4);
    if (q <= (this.quarter.get(region) ?? 0)) return;
    this.quarter.set(region, q);
    this.log.info({ event: 'flash.progress', region, pct: q * 25 }, `${region}: ${q * 25}%`);
  }

  end(region: string, outcome: RegionOutcome, ms: number): void {
    const bytes = this.sizes.get(region) ?? 0;
    const bytesPerSecond = outcome === 'written' && ms > 0 ? Math.round(bytes / (ms / 1000)) : undefined;
    this.log.info({ event: 'flash.region.done', region, outcome, bytes, ms: Math.round(ms), bytesPerSecond }, `${region}: ${outcome}`);
  }
}
