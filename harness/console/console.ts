import { HilError } from '../errors.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { History, type HistoryWait } from '../history.ts';
import type { Transport } from '../transport/transport.ts';
import type { LogEvent, LogEventKind, LogEventOf } from './events.ts';
import { ConsoleParser } from './parser.ts';
import { SecretMask } from './secretMask.ts';
import { Transcript } from './transcript.ts';

export interface ConsoleOptions {
  /** The board's name, in messages. */
  name: string;
  /** Where the raw transcript goes; appended to, folders created. */
  transcriptPath: string;
  /** How the firmware speaks (harness/profiles/); CONTRACT.md's lines when absent. */
  profile?: FirmwareProfile;
}

/** A bounded wait from a mark() (default: mark() at the call, the harness's one rule; see history.ts). */
export type WaitOptions = HistoryWait;

export type Pattern = string | RegExp | ((event: LogEvent) => boolean);

const TAIL_LINES = 20;

/**
 * A board's console: the transport's bytes become a transcript file and a history of typed
 * events that tests wait on. Reads like a person reads the log (pytest-embedded's expect):
 * a wait either returns the event or fails naming what it awaited, with the last lines and
 * the transcript's path.
 */
export class Console {
  private readonly history = new History<LogEvent>({
    timeoutError: (what, timeout) => this.timeoutError(what, timeout),
    stoppedError: () => new HilError(`${this.name}: console stopped while a wait was pending`, `transcript: ${this.transcriptPath}`),
  });
  /** The visible text of every complete line; lines[seq] is the line of events with that seq. */
  readonly lines: string[] = [];
  readonly name: string;
  readonly transcriptPath: string;
  private readonly parser: ConsoleParser;
  private transcript: Transcript | undefined;
  private unsubscribe: (() => void) | undefined;
  private startedAt = 0;
  /** Secrets typed into this console (provisioning): masked in its transcript and in what it reports. */
  readonly secrets = new SecretMask();

  constructor(
    private readonly transport: Pick<Transport, 'onData' | 'write' | 'url'>,
    options: ConsoleOptions,
  ) {
    this.name = options.name;
    this.transcriptPath = options.transcriptPath;
    this.parser = new ConsoleParser(options.profile);
  }

  start(): void {
    if (this.unsubscribe) return;
    this.transcript = new Transcript(this.transcriptPath, this.secrets);
    this.startedAt = performance.now();
    this.unsubscribe = this.transport.onData((chunk) => this.receive(chunk));
  }

  /** Stops reading, closes the transcript and fails every pending wait. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.transcript?.close();
    this.transcript = undefined;
    this.history.stop();
  }

  /** Every event so far, in order. */
  get events(): readonly LogEvent[] {
    return this.history.items;
  }

  /** A cursor into the event history, for `since`. */
  mark(): number {
    return this.history.mark();
  }

  onEvent(listener: (event: LogEvent) => void): () => void {
    return this.history.onItem(listener);
  }

  /** Writes a shell command line (Zephyr's shell takes `\r\n`). */
  send(line: string): Promise<void> {
    return this.transport.write(`${line}\r\n`);
  }

  /** The last n complete lines. */
  tail(n = TAIL_LINES): string[] {
    return this.lines.slice(-n).map((line) => this.secrets.text(line));
  }

  /**
   * The first event from `since` on that matches: a string or RegExp is matched against the
   * text of each line; a predicate sees every event.
   */
  expect<E extends LogEvent>(pattern: (event: LogEvent) => event is E, options: WaitOptions): Promise<E>;
  expect(pattern: Pattern, options: WaitOptions): Promise<LogEvent>;
  expect(pattern: Pattern, options: WaitOptions): Promise<LogEvent> {
    if (typeof pattern === 'function') return this.history.waitFor(pattern, `an event for which ${pattern.name || 'the predicate'} holds`, options);
    const matches = typeof pattern === 'string' ? (text: string) => text.includes(pattern) : (text: string) => text.search(pattern) >= 0;
    const what = typeof pattern === 'string' ? `a line containing ${JSON.stringify(pattern)}` : `a line matching ${pattern}`;
    return this.history.waitFor((e) => e.kind === 'line' && matches(e.text), what, options);
  }

  waitFor<K extends LogEventKind>(
    kind: K,
    options: WaitOptions & { where?: (event: LogEventOf<K>) => boolean },
  ): Promise<LogEventOf<K>> {
    const where = options.where;
    const what = `"${kind}"${where ? ` for which ${where.name || 'the condition'} holds` : ''}`;
    return this.history.waitFor((e): e is LogEventOf<K> => e.kind === kind && (!where || where(e as LogEventOf<K>)), what, options);
  }

  private timeoutError(what: string, timeout: number): HilError {
    const tail = this.tail();
    const shown = tail.length ? tail.map((line) => `  | ${line}`).join('\n') : '  (no complete line)';
    return new HilError(
      `${this.name}: no ${what} within ${timeout} ms; last ${tail.length} lines of ${this.transport.url}:\n${shown}\ntranscript: ${this.transcriptPath}`,
      undefined,
      1,
    );
  }

  private receive(chunk: Buffer): void {
    this.transcript?.write(chunk);
    const events = this.parser.push(chunk, Math.round(performance.now() - this.startedAt));
    for (const event of events) {
      if (event.kind === 'line') this.lines.push(event.text);
      this.history.push(event);
    }
  }
}
