/**
 * One task's thread (CONTRACT.md §4.1): instantiates the module with the proplet's host
 * functions and calls `main`. The main thread owns the slot, the pool and the watchdog;
 * ending this thread is how a task is terminated.
 */
import { parentPort } from 'node:worker_threads';
import { trapMessage } from './wamrWording.ts';

export interface TaskJob {
  module: WebAssembly.Module;
  inputs: number[];
  /** Whether `main` takes the inputs as arguments or reads them through the host functions. */
  passInputs: boolean;
  /** Whether a call_indirect trap is taken for an empty slot (wamrWording.ts). */
  tableHasEmptySlots: boolean;
  /** For a module that imports its memory: the limits the pool allows. */
  importedMemory?: { name: string; initial: number; maximum: number };
}

export type TaskOutcome = { kind: 'running' } | { kind: 'log'; text: string } | { kind: 'done'; results: string } | { kind: 'failed'; error: string };

const port = parentPort!;
const post = (outcome: TaskOutcome) => port.postMessage(outcome);

/**
 * Runs one task. The thread is started ahead of its task and, when a task ends on its own, is
 * kept for the next one (starting a thread costs ~0.1 s here, which a chip's thread does not);
 * a task that must be ended (stop, watchdog) ends the thread with it.
 */
function run(job: TaskJob): void {
  let memory: WebAssembly.Memory | undefined =
    job.importedMemory && new WebAssembly.Memory({ initial: job.importedMemory.initial, maximum: job.importedMemory.maximum });
  let published: string | undefined;

  function text(ptr: number, len: number): string {
    if (!memory) throw new Error('Exception: out of bounds memory access');
    const start = ptr >>> 0;
    const end = start + (len >>> 0);
    if (end > memory.buffer.byteLength) throw new Error('Exception: out of bounds memory access');
    return new TextDecoder().decode(new Uint8Array(memory.buffer, start, end - start));
  }

  const env: Record<string, WebAssembly.ImportValue> = {
    proplet_log: (ptr: number, len: number) => post({ kind: 'log', text: text(ptr, len) }),
    proplet_input_count: () => job.inputs.length,
    proplet_input: (index: number) => {
      const value = job.inputs[index];
      if (value === undefined) throw new Error('Exception: input index out of range');
      return value;
    },
    publish_results: (ptr: number, len: number) => {
      published = text(ptr, len);
    },
  };
  if (memory) env[job.importedMemory!.name] = memory;

  try {
    // From here the module's own code runs: the watchdog starts.
    post({ kind: 'running' });
    const instance = new WebAssembly.Instance(job.module, { env });
    if (instance.exports.memory instanceof WebAssembly.Memory) memory = instance.exports.memory;
    const main = instance.exports.main as (...args: number[]) => unknown;
    const returned = main(...(job.passInputs ? job.inputs : []));
    const values = returned === undefined ? [] : Array.isArray(returned) ? returned : [returned];
    post({ kind: 'done', results: published ?? values.map(String).join(',') });
  } catch (err) {
    post({ kind: 'failed', error: trapMessage(err as Error, job.tableHasEmptySlots) });
  }
}

port.on('message', run);
