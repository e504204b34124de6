import { HilError } from './errors.ts';

/**
 * Where a wait starts: a mark() taken before acting. Absent, it is mark() at the call — only
 * what happens from then on counts — for every history in the harness (console, broker
 * recorder, manager). A wait for something that may already have happened passes since: 0.
 */
export interface HistoryWait {
  timeout: number;
  since?: number;
}

export interface HistoryOptions {
  /** The failure of a wait that timed out: what was awaited, for how long, from where (the owner adds what it saw). */
  timeoutError(what: string, timeout: number, since: number): HilError;
  /** The failure of a wait still pending when the history stops. */
  stoppedError?(what: string): HilError;
}

interface Pending {
  fail(err: HilError): void;
}

/**
 * One time-ordered record of what a witness saw (console events, MQTT events, manager
 * messages): append, mark a position, read from it, and wait — always bounded — for the first
 * item from a position on that matches, failing with the owner's description of what it saw.
 */
export class History<T> {
  readonly items: T[] = [];
  private readonly listeners = new Set<(item: T) => void>();
  private readonly pending = new Set<Pending>();

  constructor(private readonly opts: HistoryOptions) {}

  push(item: T): void {
    this.items.push(item);
    for (const listener of [...this.listeners]) listener(item);
  }

  /** A position in the history: the index the next item will get. */
  mark(): number {
    return this.items.length;
  }

  /** The items from a mark on. */
  since(mark: number): T[] {
    return this.items.slice(mark);
  }

  /** The last `count` items from `since` on. */
  recent(count: number, since = 0): T[] {
    return this.items.slice(Math.max(since, this.items.length - count));
  }

  /** Calls the listener for every later item; returns the function that stops it. */
  onItem(listener: (item: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first item from `since` on that matches, or a failure after `timeout` ms. */
  waitFor<U extends T>(match: (item: T) => item is U, what: string, options: HistoryWait): Promise<U>;
  waitFor(match: (item: T) => boolean, what: string, options: HistoryWait): Promise<T>;
  waitFor(match: (item: T) => boolean, what: string, { timeout, since = this.mark() }: HistoryWait): Promise<T> {
    const seen = this.items.slice(since).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        this.pending.delete(waiter);
      };
      const waiter: Pending = {
        fail: (err) => {
          done();
          reject(err);
        },
      };
      const unsubscribe = this.onItem((item) => {
        if (!match(item)) return;
        done();
        resolve(item);
      });
      const timer = setTimeout(() => waiter.fail(this.opts.timeoutError(what, timeout, since)), timeout);
      this.pending.add(waiter);
    });
  }

  /** Fails every pending wait (the witness went away). */
  stop(): void {
    for (const waiter of [...this.pending]) waiter.fail(this.opts.stoppedError?.('a wait') ?? new HilError('stopped while a wait was pending'));
  }
}
