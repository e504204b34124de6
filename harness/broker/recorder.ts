import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HilError } from '../errors.ts';
import { History, type HistoryWait } from '../history.ts';
import { MqttEventSchema, type MqttEvent, type NewMqttEvent } from './mqttEvent.ts';
import { formatEvent } from './trafficView.ts';

export type EventListener = (event: MqttEvent) => void;

/** A bounded wait from a mark() (default: mark() at the call, the harness's one rule; see history.ts). */
export interface WaitOptions extends HistoryWait {
  /** Names what is awaited in the failure message. */
  what?: string;
}

const TAIL_EVENTS = 15;

/**
 * Keeps every MQTT event in memory for assertions and appends it to a JSONL file the moment
 * it happens: one synchronous append per event, so a crash of the harness loses nothing
 * already seen. The file is only ever appended to: the broker of a worker that replaces a
 * failed one records into the same run's trace after the traffic that led to the failure.
 */
export class Recorder {
  private readonly history = new History<MqttEvent>({
    timeoutError: (what, timeout, since) =>
      new HilError(`no MQTT event ${what} within ${timeout} ms; last events:\n${this.tail(since)}`, this.file ? `full trace: ${this.file}` : undefined),
  });

  constructor(readonly file?: string) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  record(event: NewMqttEvent): MqttEvent {
    const stamped = { seq: this.history.mark(), time: new Date().toISOString(), ...event } as MqttEvent;
    if (this.file) appendFileSync(this.file, `${JSON.stringify(stamped)}\n`);
    this.history.push(stamped);
    return stamped;
  }

  /** Every event so far; events[seq] is the event with that seq. */
  get events(): readonly MqttEvent[] {
    return this.history.items;
  }

  /** The seq the next event will get: pass it as `since` to wait only for what follows. */
  mark(): number {
    return this.history.mark();
  }

  /** Calls the listener for every later event; returns the function that stops it. */
  onEvent(listener: EventListener): () => void {
    return this.history.onItem(listener);
  }

  /** Resolves with the first event (from `since` on) that the predicate accepts. */
  waitFor<E extends MqttEvent>(predicate: (e: MqttEvent) => e is E, opts: WaitOptions): Promise<E>;
  waitFor(predicate: (e: MqttEvent) => boolean, opts: WaitOptions): Promise<MqttEvent>;
  waitFor(predicate: (e: MqttEvent) => boolean, opts: WaitOptions): Promise<MqttEvent> {
    return this.history.waitFor(predicate, opts.what ?? 'matching the predicate', opts);
  }

  /** The last events from `since` on, one readable line each, for failure messages. */
  tail(since = 0, count = TAIL_EVENTS): string {
    const last = this.history.recent(count, since);
    return last.length ? last.map((e) => `  ${formatEvent(e)}`).join('\n') : '  (none)';
  }
}

/** Reads a JSONL trace written by a Recorder; every line is checked against the schema. */
export function readTrace(file: string): MqttEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      const parsed = MqttEventSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new HilError(`${file}:${i + 1}: not an MQTT event: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}
