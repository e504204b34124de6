import { Worker } from 'node:worker_threads';
import type { ZephyrConsole } from './console.ts';
import { instantiateCharges, loadCharge, WASM_PAGE_BYTES, type Charge, type HeapPool } from './heapPool.ts';
import { TASK_SLOTS } from './limits.ts';
import { invalidTask, type Rejection, type StartTask } from './taskMessage.ts';
import type { TaskJob, TaskOutcome } from './taskWorker.ts';
import { inspect, withMemoryMaximum, type WasmFacts } from './wasmBinary.ts';
import { loadFailed } from './wamrWording.ts';

/** What the firmware publishes on `control/proplet/results` (CONTRACT.md §3). */
export type TaskResult = { task_id: string; results: string } | { task_id: string; results: ''; error: string };

/** The host functions the firmware registers with WAMR under `env` (CONTRACT.md §4.1). */
const HOST_FUNCTIONS = new Set(['proplet_log', 'proplet_input_count', 'proplet_input', 'publish_results']);

const TERMINATED = 'Exception: terminated by user';
/** WAMR runs a start function inside instantiation, where no stop can reach it (CONTRACT.md §4.1). */
const START_REFUSED = 'WASM module instantiate failed: start function not supported';
const NON_I32_RESULT = 'WASM function main returns a non-i32 result';
const MAX_MAIN_RESULTS = 16;

// The worker runs TypeScript: it registers tsx itself, since a worker does not inherit the
// parent's module hooks (and the parent may be Playwright's runner rather than tsx).
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./taskWorker.ts', import.meta.url).href)}); })`;

/**
 * A task thread ready before its task: a thread costs ~0.1 s to start here (tsx compiles the
 * worker), which a chip's thread does not. One is always warming, and a thread whose task
 * ended on its own serves the next task; a stopped or runaway task's thread is terminated.
 */
class TaskThread {
  readonly worker = new Worker(WORKER_BOOT, { eval: true });
  exited = false;

  constructor() {
    // While idle, a failure is only a reason not to use it.
    this.worker.on('error', () => {});
    this.worker.once('exit', () => (this.exited = true));
  }
}

interface Slot {
  id: string;
  index: number;
  /** Bytes this task holds in the pool. */
  charged: number;
  startedAt: number;
  thread?: TaskThread;
  watchdog?: NodeJS.Timeout;
  ended: boolean;
}

export interface TaskCounters {
  running: number;
  finished: number;
  failed: number;
}

/**
 * The firmware's task table (CONTRACT.md §4): TASK_SLOTS slots, each task charged to the heap
 * pool, run in its own thread, ended by its result, a trap, a stop or the watchdog; the slot
 * and the pool are always given back and the heap is logged.
 */
export function logHeap(console: ZephyrConsole, pool: HeapPool): void {
  console.log('inf', 'wasm', `Heap pool used=${pool.used} free=${pool.free} high=${pool.high}`);
}

export class TaskRunner {
  readonly counters: TaskCounters = { running: 0, finished: 0, failed: 0 };
  private readonly slots: (Slot | undefined)[] = new Array(TASK_SLOTS).fill(undefined);
  private idle: TaskThread[] = [new TaskThread()];

  constructor(
    private readonly console: ZephyrConsole,
    private readonly pool: HeapPool,
    private readonly publish: (result: TaskResult) => void,
    private readonly timeoutMs: number,
    /** After a task that took a slot has published its result: its run time (task_metrics). */
    private readonly ended?: (id: string, runMs: number) => void,
  ) {}

  reject(rejection: Rejection): void {
    this.console.log('err', 'wasm', `Task rejected id=${rejection.id ?? '-'} reason=${rejection.reason}`);
    if (rejection.id !== undefined && rejection.error !== undefined) {
      this.publish({ task_id: rejection.id, results: '', error: rejection.error });
    }
  }

  /** Runs a start message whose module is at hand. */
  start(task: StartTask & { wasm: Buffer }): void {
    if (this.slots.some((s) => s?.id === task.id)) return this.reject(invalidTask(task.id, `id ${task.id} is running`));
    const index = this.slots.findIndex((s) => s === undefined);
    if (index < 0) return this.reject(invalidTask(task.id, 'no free task slot'));
    const slot: Slot = { id: task.id, index, charged: 0, startedAt: Date.now(), ended: false };
    this.slots[index] = slot;
    this.counters.running++;
    this.console.log('inf', 'wasm', `Task started id=${task.id} slot=${index}`);

    const bytes = new Uint8Array(task.wasm);
    let module: WebAssembly.Module;
    let facts: WasmFacts;
    try {
      module = new WebAssembly.Module(bytes);
      facts = inspect(bytes);
    } catch (err) {
      return this.end(slot, { error: loadFailed(err as Error) });
    }
    // The steps and texts of the firmware's WAMR calls (CONTRACT.md §4.2), each charged to the
    // pool as WAMR allocates it.
    const load = loadCharge(facts);
    if (!this.charge(slot, load)) return this.end(slot, { error: load.error });
    const unknown = WebAssembly.Module.imports(module).find(
      (i) => !(i.module === 'env' && ((i.kind === 'function' && HOST_FUNCTIONS.has(i.name)) || (i.kind === 'memory' && i.name === 'memory'))),
    );
    if (unknown) return this.end(slot, { error: `WASM module instantiate failed: unknown import ${unknown.module}.${unknown.name}` });
    if (facts.hasStart) return this.end(slot, { error: START_REFUSED });
    for (const charge of instantiateCharges(facts, task.stackBytes, task.appHeapBytes)) {
      if (!this.charge(slot, charge)) return this.end(slot, { error: charge.error });
    }
    const main = facts.exportedFunctions.get('main');
    if (!main) return this.end(slot, { error: 'WASM function main not found' });
    if (!main.paramsI32 || (main.params !== 0 && main.params !== task.inputs.length)) {
      return this.end(slot, { error: `WASM function main expects ${main.params} inputs, got ${task.inputs.length}` });
    }
    if (main.results > MAX_MAIN_RESULTS) return this.end(slot, { error: 'WASM function main returns more than 16 values' });
    if (!main.resultsI32) return this.end(slot, { error: NON_I32_RESULT });

    // memory.grow may take only what the pool has left, so the engine answers -1 beyond it.
    const growPages = Math.floor(this.pool.free / WASM_PAGE_BYTES);
    const memory = facts.memory;
    const memoryImport = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
    const job: TaskJob = {
      module: memory && !memory.imported ? new WebAssembly.Module(withMemoryMaximum(bytes, memory.initial + growPages)) : module,
      inputs: task.inputs,
      passInputs: main.params > 0,
      tableHasEmptySlots: facts.emptyTableSlots > 0,
      importedMemory:
        memory && memoryImport
          ? { name: memoryImport.name, initial: memory.initial, maximum: Math.min(memory.maximum ?? Infinity, memory.initial + growPages) }
          : undefined,
    };
    this.run(slot, job);
  }

  /** Ends a running task on a stop message; false when no task has that id. */
  stop(id: string): boolean {
    const slot = this.slots.find((s) => s?.id === id);
    if (!slot) return false;
    this.console.log('inf', 'wasm', `Task stopped id=${id}`);
    this.end(slot, { error: TERMINATED });
    return true;
  }

  /** A reset: every task thread ends at once, nothing is logged or published. */
  shutdown(): void {
    for (const thread of this.idle.splice(0)) void thread.worker.terminate();
    for (const slot of this.slots) {
      if (!slot) continue;
      slot.ended = true;
      clearTimeout(slot.watchdog);
      void slot.thread?.worker.terminate();
    }
  }

  private charge(slot: Slot, charge: Charge): boolean {
    if (charge.refused || !this.pool.take(charge.bytes)) return false;
    slot.charged += charge.bytes;
    return true;
  }

  private takeThread(): TaskThread {
    this.idle = this.idle.filter((t) => !t.exited);
    const thread = this.idle.pop() ?? new TaskThread();
    if (this.idle.length === 0) this.idle.push(new TaskThread());
    return thread;
  }

  private run(slot: Slot, job: TaskJob): void {
    const thread = this.takeThread();
    slot.thread = thread;
    const { worker } = thread;
    const onMessage = (outcome: TaskOutcome) => {
      if (slot.ended) return;
      // The watchdog times the module's code, not the thread's start-up.
      if (outcome.kind === 'running') slot.watchdog = setTimeout(() => this.watchdog(slot), this.timeoutMs);
      else if (outcome.kind === 'log') this.console.log('inf', 'task', `id=${slot.id} text=${outcome.text}`);
      else {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        this.end(slot, outcome.kind === 'done' ? { results: outcome.results } : { error: outcome.error }, true);
      }
    };
    const onError = (err: Error) => this.end(slot, { error: `Exception: ${err.message}` });
    const onExit = () => this.end(slot, { error: TERMINATED });
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(job);
  }

  private watchdog(slot: Slot): void {
    this.console.log('err', 'wasm', `Task watchdog id=${slot.id} after=${this.timeoutMs}ms`);
    this.end(slot, { error: TERMINATED });
  }

  /** `reusable`: the task ended on its own, so its thread is sound and may serve the next task. */
  private end(slot: Slot, outcome: { results: string } | { error: string }, reusable = false): void {
    if (slot.ended) return;
    slot.ended = true;
    clearTimeout(slot.watchdog);
    if (slot.thread && reusable && this.idle.length < TASK_SLOTS) this.idle.push(slot.thread);
    else void slot.thread?.worker.terminate();
    this.pool.give(slot.charged);
    this.slots[slot.index] = undefined;
    this.counters.running--;
    if ('error' in outcome) {
      this.counters.failed++;
      this.console.log('err', 'wasm', `Task failed id=${slot.id} error=${outcome.error}`);
      this.publish({ task_id: slot.id, results: '', error: outcome.error });
    } else {
      this.counters.finished++;
      this.console.log('inf', 'wasm', `Task finished id=${slot.id} results=${outcome.results}`);
      this.publish({ task_id: slot.id, results: outcome.results });
    }
    this.ended?.(slot.id, Date.now() - slot.startedAt);
    logHeap(this.console, this.pool);
  }
}
