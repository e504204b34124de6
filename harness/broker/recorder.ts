import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HilError } from '../errors.ts';
import { MqttEventSchema, type MqttEvent, type NewMqttEvent } from './mqttEvent.ts';
import { formatEvent } from './trafficView.ts';

export type EventListener = (event: MqttEvent) => void;

export interface WaitOptions {
  timeout: number;
  /** Only events with seq ≥ since count (take it from `mark()` before acting). Default 0: the whole history. */
  since?: number;
  /** Names what is awaited in the failure message. */
  what?: string;
}

/**
 * Keeps every MQTT event in memory for assertions and appends it to a JSONL file the moment
 * it happens: one synchronous append per event, so a crash of the harness loses nothing
 * already seen. The file is only ever appended to: the broker of a worker that replaces a
 * failed one records into the same run's trace after the traffic that led to the failure.
 */
export class Recorder {
  readonly events: MqttEvent[] = [];
  private readonly listeners = new Set<EventListener>();

  constructor(readonly file?: string) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  record(event: NewMqttEvent): MqttEvent {
    const stamped = { seq: this.events.length, time: new Date().toISOString(), ...event } as MqttEvent;
    this.events.push(stamped);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(stamped)}\n`);
    for (const listener of this.listeners) listener(stamped);
    return stamped;
  }

  /** The seq the next event will get: pass it as `since` to wait only for what follows. */
  mark(): number {
    return this.events.length;
  }

  /** Calls the listener for every later event; returns the function that stops it. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event (from `since` on) that the predicate accepts. */
  waitFor<E extends MqttEvent>(predicate: (e: MqttEvent) => e is E, opts: WaitOptions): Promise<E>;
  waitFor(predicate: (e: MqttEvent) => boolean, opts: WaitOptions): Promise<MqttEvent>;
  waitFor(predicate: (e: MqttEvent) => boolean, opts: WaitOptions): Promise<MqttEvent> {
    const since = opts.since ?? 0;
    const seen = this.events.slice(since).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new HilError(
            `no MQTT event ${opts.what ?? 'matching the predicate'} within ${opts.timeout} ms; last events:\n${this.tail(since)}`,
            this.file ? `full trace: ${this.file}` : undefined,
          ),
        );
      }, opts.timeout);
      const stop = this.onEvent((e) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        stop();
        resolve(e);
      });
    });
  }

  /** The last events from `since` on, one readable line each, for failure messages. */
  tail(since = 0, count = 15): string {
    const last = this.events.slice(Math.max(since, this.events.length - count));
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
