import { z } from 'zod';
import { HilError } from '../errors.ts';

/**
 * A client for the real Propeller manager's HTTP API (absmach/propeller v0.5.0,
 * `manager/api/transport.go`): the proplets it knows, and tasks created, started, stopped and
 * read back through it. Only the fields the harness reads are parsed; the rest is tolerated.
 */

export const ManagerPropletSchema = z.object({
  id: z.string(),
  name: z.string(),
  alive: z.boolean(),
  task_count: z.number().optional(),
  last_alive_at: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ManagerProplet = z.infer<typeof ManagerPropletSchema>;

const PropletPageSchema = z.object({ total: z.number(), proplets: z.array(ManagerPropletSchema).nullable() });

/** `pkg/task` State: Pending, Scheduled, Running, Completed, Failed, Skipped, Interrupted. */
export const TASK_STATES = ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed', 'Skipped', 'Interrupted'] as const;

export const ManagerTaskSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.number().int(),
  inputs: z.array(z.string()).optional(),
  proplet_id: z.string().optional(),
  results: z.unknown().optional(),
  error: z.string().optional(),
});
export type ManagerTask = z.infer<typeof ManagerTaskSchema>;

/** What the manager stored from a proplet's control/proplet/metrics (storage.PropletMetrics). */
export const StoredPropletMetricsSchema = z.object({
  proplet_id: z.string(),
  namespace: z.string(),
  timestamp: z.string(),
  cpu_metrics: z.record(z.string(), z.number()),
  memory_metrics: z.record(z.string(), z.number()),
});
/** What the manager stored from a control/proplet/task_metrics message (storage.TaskMetrics). */
export const StoredTaskMetricsSchema = z.object({
  task_id: z.string(),
  proplet_id: z.string(),
  timestamp: z.string(),
  metrics: z.record(z.string(), z.number()),
});
const metricsPage = <T extends z.ZodType>(item: T) => z.object({ total: z.number(), metrics: z.array(item).nullable() });

export interface NewTask {
  name: string;
  /** The module; sent base64 as the manager's `file` ([]byte in Go's JSON). */
  wasm: Uint8Array;
  /** Strings, as the manager stores them (it also takes numbers and turns them into strings). */
  inputs?: (string | number)[];
  /** Pins the task to one proplet; absent: the manager's scheduler picks an alive one. */
  propletId?: string;
}

export const stateName = (state: number) => TASK_STATES[state] ?? `state ${state}`;

export class ManagerApi {
  constructor(
    /** http://host:port of the manager (its HTTP API listens on 7070 unless MANAGER_HTTP_PORT says otherwise). */
    readonly url: string,
    private readonly requestTimeoutMs = 5000,
  ) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const where = `${method} ${this.url}${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (err) {
      throw new HilError(`the Propeller manager did not answer ${where}: ${(err as Error).message}`, 'is the manager running, and is the bench file\'s manager URL right?');
    }
    const text = await response.text();
    if (!response.ok) throw new HilError(`the Propeller manager answered ${where} with ${response.status}: ${text.trim()}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HilError(`the Propeller manager answered ${where} with something that is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new HilError(`unexpected answer to ${where}: ${parsed.error.issues[0]?.message}: ${text.slice(0, 300)}`);
    return parsed.data;
  }

  async health(): Promise<void> {
    await this.call('GET', '/health', z.object({ status: z.string() }));
  }

  async proplets(): Promise<ManagerProplet[]> {
    return (await this.call('GET', '/proplets', PropletPageSchema)).proplets ?? [];
  }

  proplet(id: string): Promise<ManagerProplet> {
    return this.call('GET', `/proplets/${encodeURIComponent(id)}`, ManagerPropletSchema);
  }

  createTask(task: NewTask): Promise<ManagerTask> {
    return this.call('POST', '/tasks', ManagerTaskSchema, {
      name: task.name,
      file: Buffer.from(task.wasm).toString('base64'),
      inputs: task.inputs ?? [],
      ...(task.propletId ? { proplet_id: task.propletId } : {}),
    });
  }

  async startTask(id: string): Promise<void> {
    await this.call('POST', `/tasks/${encodeURIComponent(id)}/start`, z.object({ started: z.literal(true) }));
  }

  async stopTask(id: string): Promise<void> {
    await this.call('POST', `/tasks/${encodeURIComponent(id)}/stop`, z.object({ stopped: z.literal(true) }));
  }

  task(id: string): Promise<ManagerTask> {
    return this.call('GET', `/tasks/${encodeURIComponent(id)}`, ManagerTaskSchema);
  }

  async results(id: string): Promise<unknown> {
    return (await this.call('GET', `/tasks/${encodeURIComponent(id)}/results`, z.object({ results: z.unknown() }))).results;
  }

  async propletMetrics(id: string): Promise<z.infer<typeof StoredPropletMetricsSchema>[]> {
    return (await this.call('GET', `/proplets/${encodeURIComponent(id)}/metrics`, metricsPage(StoredPropletMetricsSchema))).metrics ?? [];
  }

  async taskMetrics(id: string): Promise<z.infer<typeof StoredTaskMetricsSchema>[]> {
    return (await this.call('GET', `/tasks/${encodeURIComponent(id)}/metrics`, metricsPage(StoredTaskMetricsSchema))).metrics ?? [];
  }

  /** Polls until `check` returns a value, every 200 ms, for at most `timeout` ms. */
  async until<T>(what: string, timeout: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeout;
    let last: unknown;
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new HilError(`the Propeller manager at ${this.url} showed no ${what} within ${timeout} ms${last ? `; last answer: ${String(last)}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The proplet once the manager lists it as alive. */
  awaitAliveProplet(id: string, timeout: number): Promise<ManagerProplet> {
    return this.until(`alive proplet ${id}`, timeout, async () => (await this.proplets()).find((p) => p.id === id && p.alive));
  }

  /** The task once it reached a terminal state (Completed, Failed, Skipped, Interrupted). */
  awaitEnded(id: string, timeout: number): Promise<ManagerTask> {
    return this.until(`end of task ${id}`, timeout, async () => {
      const task = await this.task(id);
      return task.state >= 3 ? task : undefined;
    });
  }
}
