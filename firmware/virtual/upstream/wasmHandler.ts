import { loadFailed, trapMessage } from '../proplet/wamrWording.ts';

/**
 * Upstream v0.5.0's execute_wasm_module (embed-proplet/src/wasm_handler.c), run as upstream
 * runs it: synchronously, inside the MQTT event callback on the main thread, so nothing else
 * (keep-alive, alive messages, other messages) happens until it returns.
 */

/** What the host functions hand to the module (g_current_task in mqtt_client.c). */
export interface TaskContext {
  propletId: string;
  modelData: string;
  datasetData: string;
}

export type Outcome = { results: string } | { error: string };

/** The natives wasm_handler.c registers under `env`. */
export const HOST_FUNCTIONS = ['get_proplet_id', 'get_model_data', 'get_dataset_data'] as const;

/**
 * A host function's string, placed where the module can read it. On the chip WAMR allocates it
 * from the instance's app heap (wasm_runtime_module_malloc); here it goes at the top of the
 * module's linear memory, and the offset and length go to the two pointers the module passed.
 */
function hostString(memory: () => WebAssembly.Memory | undefined, value: () => string) {
  return (retOffset: number, retLen: number): number => {
    const mem = memory();
    if (!mem) return 0;
    const bytes = Buffer.from(value() + '\0', 'utf8');
    const at = mem.buffer.byteLength - bytes.length;
    new Uint8Array(mem.buffer).set(bytes, at);
    const view = new DataView(mem.buffer);
    view.setUint32(retOffset >>> 0, at, true);
    view.setUint32(retLen >>> 0, bytes.length - 1, true);
    return 1;
  };
}

/** Runs `main` with the inputs as i32 and returns what upstream publishes. */
export function executeWasm(wasm: Uint8Array<ArrayBuffer>, inputs: bigint[], context: TaskContext): Outcome {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(wasm);
  } catch (err) {
    // wasm_runtime_load's error_buf is published as it is.
    return { error: loadFailed(err as Error) };
  }
  let memory: WebAssembly.Memory | undefined;
  const env: Record<string, WebAssembly.ImportValue> = {};
  const natives: Record<string, () => string> = {
    get_proplet_id: () => context.propletId,
    get_model_data: () => context.modelData,
    get_dataset_data: () => context.datasetData,
  };
  const imports: WebAssembly.Imports = { env };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') return { error: `WASM module instantiate failed: unknown import ${imp.module}.${imp.name}` };
    const native = imp.module === 'env' ? natives[imp.name] : undefined;
    const target = (imports[imp.module] ??= {}) as Record<string, WebAssembly.ImportValue>;
    // WAMR instantiates with an unlinked import and traps only when it is called.
    target[imp.name] = native
      ? hostString(() => memory, native)
      : () => {
          throw new Error(`Exception: failed to call unlinked import function (${imp.module}, ${imp.name})`);
        };
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (err) {
    return { error: `WASM module instantiate failed: ${(err as Error).message}` };
  }
  const exported = instance.exports;
  memory = Object.values(exported).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
  const main = exported.main;
  // "Function 'main' not found" and "Function has no return value." publish error_buf, a stack
  // buffer WAMR never wrote: its contents are undefined. The model publishes it empty.
  if (typeof main !== 'function') return { error: '' };
  const args = inputs.map((v) => Number(BigInt.asIntN(32, v)));
  // wasm_runtime_call_wasm_a refuses a wrong argument count without setting an exception.
  if (main.length !== args.length) return { error: 'WASM execution failed: Unknown error' };
  let value: unknown;
  try {
    value = (main as (...a: number[]) => unknown)(...args);
  } catch (err) {
    return { error: `WASM execution failed: ${trapMessage(err as Error)}` };
  }
  if (value === undefined) return { error: '' };
  const values = Array.isArray(value) ? value : [value];
  // Only i32 results are printed, with a comma after every result but the last.
  return { results: values.map((v, i) => (typeof v === 'number' ? String(v) : '') + (i < values.length - 1 ? ',' : '')).join('') };
}
