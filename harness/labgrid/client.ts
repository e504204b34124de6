import { spawn, type ChildProcess } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { labgridPython, SESSION_SCRIPT } from './python.ts';

/** A place as the coordinator knows it, with who holds it. */
export interface PlaceInfo {
  name: string;
  aliases: string[];
  tags: Record<string, string>;
  comment: string;
  /** `host/user` of the client that acquired it. */
  acquired: string | null;
  /** The owner of the reservation the place is allocated to, if any. */
  reservedBy: string | null;
  /** That reservation's token. */
  reservation: string | null;
  /** Seconds since the epoch of the last change (acquire, release, …). */
  changed: number;
  resources: { path: string; cls: string; avail: boolean; params: Record<string, unknown> }[];
}

export interface Holder {
  place: string;
  holder: string;
  how: 'acquired' | 'reserved';
  since: number;
}

export interface WaitProgress {
  filters: Record<string, string>;
  waitedMs: number;
  waitMs: number;
  holders: Holder[];
}

export interface Resolved {
  serial: { name: string; host: string; port: number; speed: number; protocol: string };
  power: { name: string; cls: string; params: Record<string, unknown> }[];
}

export interface ConnectOptions {
  log: Logger;
  /** Bound on reaching the coordinator (gRPC connect + first sync). */
  connectTimeoutMs?: number;
  /** Seconds between reservation polls (labgrid-client uses 1). */
  pollS?: number;
  env?: NodeJS.ProcessEnv;
}

const CONNECT_TIMEOUT_MS = 20_000;
/** Bound on any one request other than a reservation wait (which carries its own). */
const REQUEST_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 10;

type Answer = { id: number; ok: true; result: unknown } | { id: number; ok: false; kind: string; error: string; holders?: Holder[] };
type Event =
  | { event: 'ready'; name: string }
  | { event: 'failed'; kind: string; error: string }
  | ({ event: 'waiting' } & WaitProgress)
  | { event: 'lost'; error: string };

/** The name this run holds places under: `host/user:hil-<pid>`, so a holder can be told apart and named. */
export function clientIdentity(pid = process.pid): { host: string; user: string } {
  return { host: hostname(), user: `${userInfo().username}:hil-${pid}` };
}

/** The pid of the hil run that holds a place, when its holder name is one of ours on this host. */
export function hilHolderPid(holder: string, host = hostname()): number | undefined {
  const match = /^([^/]+)\/[^/]*:hil-(\d+)$/.exec(holder);
  return match && match[1] === host ? Number(match[2]) : undefined;
}

/** `held by bench2/alice (acquired 40 s ago)` */
export function describeHolders(holders: Holder[], now = Date.now()): string {
  if (holders.length === 0) return 'no holder seen (the coordinator is scheduling)';
  return holders
    .map((h) => `${h.place} ${h.how} by ${h.holder} ${Math.max(0, Math.round(now / 1000 - h.since))} s ago`)
    .join('; ');
}

/**
 * One session with a labgrid coordinator. The session lives in a Python process that runs our
 * session.py with labgrid's own client API; this class speaks JSON lines with it. While the
 * session holds a place the process stays; whatever way this process ends (close(), a crash,
 * SIGINT, SIGKILL), its stdin closes and it releases the place itself.
 */
export class LabgridClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (p: WaitProgress) => void }>();
  private stderrTail: string[] = [];
  private exited?: Promise<void>;
  private closed = false;

  private constructor(
    readonly coordinator: string,
    readonly identity: string,
    private readonly child: ChildProcess,
    private readonly log: Logger,
  ) {}

  static async connect(coordinator: string, opts: ConnectOptions): Promise<LabgridClient> {
    const python = labgridPython(opts.env);
    const { host, user } = clientIdentity();
    const args = [SESSION_SCRIPT, coordinator, '--poll', String(opts.pollS ?? 1)];
    // Its own process group: a Ctrl-C on the terminal reaches this run, which then releases in
    // order; the session outlives it just long enough to let go if it cannot.
    const child = spawn(python, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...(opts.env ?? process.env), LG_HOSTNAME: host, LG_USERNAME: user, PYTHONUNBUFFERED: '1' },
    });
    const log = opts.log.child({ labgrid: coordinator });
    const timeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    return new Promise<LabgridClient>((resolve, reject) => {
      let client: LabgridClient | undefined;
      const tail: string[] = [];
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new HilError(`labgrid coordinator ${coordinator} is unreachable: ${why}`, 'check that labgrid-coordinator runs there and that the address and port are right'));
      };
      const timer = setTimeout(() => fail(`no session within ${timeoutMs / 1000} s${tail.length ? ` (${tail.join(' | ')})` : ''}`), timeoutMs);
      child.once('error', (err) => fail(`${python} could not start: ${err.message}`));
      child.once('exit', (code, signal) => {
        if (!client) fail(`the session ended (${code ?? signal}) before it was ready${tail.length ? `: ${tail.join(' | ')}` : ''}`);
      });
      child.stderr!.setEncoding('utf8');
      let errPending = '';
      child.stderr!.on('data', (chunk: string) => {
        errPending += chunk;
        const lines = errPending.split('\n');
        errPending = lines.pop()!;
        for (const line of lines.filter((l) => l.trim())) {
          (client?.stderrTail ?? tail).push(line);
          log.debug({ labgridSession: line });
          const t = client?.stderrTail ?? tail;
          t.splice(0, Math.max(0, t.length - STDERR_TAIL_LINES));
        }
      });
      let outPending = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        outPending += chunk;
        const lines = outPending.split('\n');
        outPending = lines.pop()!;
        for (const line of lines.filter((l) => l.trim())) {
          let message: Answer | Event;
          try {
            message = JSON.parse(line) as Answer | Event;
          } catch {
            log.warn({ line }, 'labgrid session printed a line that is not JSON');
            continue;
          }
          if ('event' in message) {
            if (message.event === 'ready' && !client) {
              clearTimeout(timer);
              client = new LabgridClient(coordinator, message.name, child, log);
              client.watchExit();
              client.idle();
              resolve(client);
            } else if (message.event === 'failed') {
              fail(message.error.replace(/^coordinator \S+: /, ''));
            } else client?.onEvent(message);
          } else client?.onAnswer(message);
        }
      });
    });
  }

  private watchExit(): void {
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        const why = `the labgrid session ended (${code ?? signal})${this.stderrTail.length ? `: ${this.stderrTail.join(' | ')}` : ''}`;
        for (const p of this.pending.values()) p.reject(new HilError(why, 'see the log for the session output'));
        this.pending.clear();
        done();
      }),
    );
  }

  /** While nothing is asked, the session must not keep this process alive: its end is the release. */
  private idle(): void {
    if (this.pending.size > 0) return;
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();
  }

  private busy(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { ref?: () => void })?.ref?.();
  }

  private onEvent(message: Event): void {
    if (message.event === 'waiting') {
      for (const p of this.pending.values()) p.onProgress?.(message);
    } else if (message.event === 'lost') {
      this.log.warn(`labgrid coordinator ${this.coordinator}: ${message.error}`);
    }
  }

  private onAnswer(answer: Answer): void {
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    this.idle();
    if (answer.ok) return p.resolve(answer.result);
    const err =
      answer.kind === 'timeout'
        ? new HilError(`${answer.error}: ${describeHolders(answer.holders ?? [])}`, 'wait for that run to end, raise timeouts.placeWait, or ask the holder to release it')
        : answer.kind === 'unknown-place'
          ? new HilError(`labgrid coordinator ${this.coordinator}: ${answer.error}`, 'list the places with hil boards or labgrid-client places', 2)
          : new HilError(`labgrid: ${answer.error}`, 'see the log for the session output');
    p.reject(err);
  }

  private request<T>(op: string, fields: Record<string, unknown>, opts: { timeoutMs?: number; onProgress?: (p: WaitProgress) => void } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new HilError(`labgrid session with ${this.coordinator} is closed`));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.busy();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.idle();
        reject(new HilError(`labgrid ${op}: no answer from the session within ${timeoutMs / 1000} s`, `is the coordinator ${this.coordinator} overloaded?`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
        onProgress: opts.onProgress,
      });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  places(filters?: Record<string, string>): Promise<PlaceInfo[]> {
    return this.request('places', { filters });
  }

  /**
   * A reservation for the filter, waited for up to waitMs; onProgress hears every progressMs
   * who holds the candidate places. Resolves with the place the coordinator allocated.
   */
  reserve(filters: Record<string, string>, opts: { waitMs: number; progressMs?: number; onProgress?: (p: WaitProgress) => void }): Promise<{ token: string; place: string }> {
    return this.request('reserve', { filters, waitMs: opts.waitMs, progressMs: opts.progressMs ?? 5000 }, {
      timeoutMs: opts.waitMs + REQUEST_TIMEOUT_MS,
      onProgress: opts.onProgress,
    });
  }

  cancel(token: string): Promise<void> {
    return this.request('cancel', { token });
  }

  acquire(place: string): Promise<void> {
    return this.request('acquire', { place });
  }

  release(place: string): Promise<void> {
    return this.request('release', { place });
  }

  /** Releases a place only while `holder` holds it (labgrid's release-from): safe against races. */
  releaseFrom(place: string, holder: string): Promise<void> {
    return this.request('releaseFrom', { place, holder });
  }

  resolve(place: string, timeoutMs = 10_000): Promise<Resolved> {
    return this.request('resolve', { place, timeoutMs }, { timeoutMs: timeoutMs + REQUEST_TIMEOUT_MS });
  }

  power(place: string, action: 'on' | 'off' | 'cycle', opts: { resource?: string; delayS?: number } = {}): Promise<void> {
    return this.request('power', { place, action, resource: opts.resource, delayS: opts.delayS });
  }

  /** The session's own pid (tests use it to model a host that loses both processes). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Ends the session: it releases what it still holds, cancels its reservations and exits.
   * Bounded: a session that does not go within the bound is killed (the coordinator then
   * shows the place as still acquired, by this run's name).
   */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    this.busy();
    this.child.stdin!.end();
    const timer = setTimeout(() => {
      this.log.warn(`labgrid session did not end within ${timeoutMs / 1000} s; killing it`);
      this.child.kill('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
