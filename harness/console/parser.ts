import { profileEvent } from '../profiles/consoleLines.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { CONTRACT_EVENTS, contractEvent, type ContractFields } from './contractEvents.ts';
import type { LogEvent } from './events.ts';
import { FatalParser } from './fatal.ts';
import { decodeLine, LineFramer, segments, visibleText } from './framer.ts';
import { isDownloadWait, RomBannerParser } from './romBanner.ts';
import { parseWamrError } from './wamr.ts';
import { parseZephyrBanner, parseZephyrLog } from './zephyrLog.ts';

/** Zephyr's shell prompt on the console (CONTRACT.md §2.2); printed without a line end. */
export const SHELL_PROMPT = 'uart:~$';

/**
 * Bytes → lines → typed events. The result does not depend on how the bytes were chunked,
 * except for `t`: the shell prompt, which has no line end, is announced as soon as it shows,
 * and never twice for one line.
 */
export class ConsoleParser {
  private readonly framer = new LineFramer();
  private readonly rom = new RomBannerParser();
  private readonly fatal = new FatalParser();
  private seq = 0;
  private promptSeen = false;

  /**
   * `profile` says how the firmware speaks: without one, or with a `contract` profile, log lines
   * are read as CONTRACT.md §2.1 has them; otherwise by the profile's line patterns.
   */
  constructor(private readonly profile?: FirmwareProfile) {}

  /** Feeds one chunk read at `t`; returns its events in order. */
  push(chunk: Uint8Array, t: number): LogEvent[] {
    const events: LogEvent[] = [];
    for (const bytes of this.framer.push(chunk)) events.push(...this.line(bytes, t));
    const partial = this.framer.partial();
    if (partial.length && !this.promptSeen && this.hasPrompt(decodeLine(partial))) {
      this.promptSeen = true;
      events.push({ kind: 'shell.prompt', t, seq: this.seq });
    }
    return events;
  }

  /** The harness event a log line stands for under this console's profile. */
  private event(log: { level: string; module: string; message: string }): ContractFields | { kind: 'mqtt.connect_failed'; rc?: number } | undefined {
    if (!this.profile || this.profile.console.events === 'contract') return contractEvent(log.level, log.module, log.message);
    const found = profileEvent(this.profile, log);
    if (!found) return undefined;
    if (found.event === 'mqtt.connect_failed') return { kind: found.event, ...(found.fields.rc ? { rc: Number(found.fields.rc) } : {}) };
    const spec = CONTRACT_EVENTS[found.event as keyof typeof CONTRACT_EVENTS];
    if (!spec) return undefined;
    // A profile's line carries the fields its pattern names, often fewer than ours (no version
    // on upstream's boot line): the others stay undefined, and specs that need them say so.
    const parsed = spec.fields.partial().safeParse(found.fields);
    return parsed.success ? ({ kind: found.event, ...parsed.data } as ContractFields) : undefined;
  }

  private hasPrompt(raw: string): boolean {
    return segments(raw).some((s) => s.startsWith(SHELL_PROMPT));
  }

  private line(bytes: Buffer, t: number): LogEvent[] {
    const seq = this.seq++;
    const raw = decodeLine(bytes);
    const text = visibleText(raw);
    const events: LogEvent[] = [];
    if (!this.promptSeen && this.hasPrompt(raw)) events.push({ kind: 'shell.prompt', t, seq });
    this.promptSeen = false;
    events.push({ kind: 'line', text, raw, t, seq });

    const banner = this.rom.line(text);
    if (banner) events.push({ kind: 'rom.banner', ...banner, t, seq });
    if (isDownloadWait(text)) events.push({ kind: 'rom.download', t, seq });

    const version = parseZephyrBanner(text);
    if (version) {
      events.push({ kind: 'zephyr.banner', version, t, seq });
      events.push({ kind: 'boot.banner', version, t, seq });
    }

    const log = parseZephyrLog(text);
    const contract = log && this.event(log);
    if (log) events.push({ kind: 'zephyr.log', ...log, t, seq });
    if (contract) events.push({ ...contract, t, seq });

    const fatal = this.fatal.line(text);
    if (fatal) events.push({ kind: 'zephyr.fatal', ...fatal, t, seq });

    // A task's own log text is the task's business, even when it reads like a WAMR error.
    const wamr = contract?.kind === 'task.log' ? undefined : parseWamrError(log?.message ?? text);
    if (wamr) events.push({ kind: 'wamr.error', ...wamr, ...(contract?.kind === 'task.failed' ? { id: contract.id } : {}), t, seq });
    return events;
  }
}
