import type { WasmFacts } from './wasmBinary.ts';

/**
 * WAMR's global heap pool (CONTRACT.md §4.5) as a 32-bit WAMR 2.2.0 uses it with the
 * firmware's settings (classic interpreter, THREAD_MGR on). Every figure below was calibrated
 * against real WAMR runs (docs/wamr-measured.md); wamrMeasured.test.ts holds the model to
 * each of those measurements. Costs follow the structures WAMR allocates, not a module's
 * byte size: a custom section costs nothing.
 */
export const WASM_PAGE_BYTES = 65536;

/**
 * What the pool's allocator reports as its size (`total_size`) once it has taken its own
 * header from the 40960 bytes: used + free on every heap line (CONTRACT.md §4.5).
 */
export const USABLE_POOL_BYTES = 40744;
/** The runtime itself after wasm_runtime_full_init (the native symbol registration). */
export const RUNTIME_BASELINE_BYTES = 48;

/** WASMModule and the loader's fixed tables; with one per-item cost below for each kind. */
export const MODULE_FIXED_BYTES = 220;
/** A signature (WASMFuncType), plus each of its value types. */
export const MODULE_PER_TYPE_BYTES = 32;
export const MODULE_PER_VALUE_TYPE_BYTES = 8;
/** WASMFunction (or an import's entry) with its local and frame tables. */
export const MODULE_PER_FUNCTION_BYTES = 52;
export const MODULE_PER_GLOBAL_BYTES = 24;
export const MODULE_PER_TABLE_BYTES = 40;
export const MODULE_PER_DATA_SEGMENT_BYTES = 32;
export const MODULE_PER_EXPORT_BYTES = 16;
export const MODULE_MEMORY_BYTES = 24;

/** WASMModuleInstance and its fixed parts, for a module without linear memory. */
export const INSTANCE_FIXED_BYTES = 412;
/** WASMFunctionInstance: one per function, imported or defined. */
export const INSTANCE_PER_FUNCTION_BYTES = 28;
/** A global's instance and its value. */
export const INSTANCE_PER_GLOBAL_BYTES = 32;
/** WASMMemoryInstance, when the module has a memory. */
export const INSTANCE_MEMORY_BYTES = 120;
/** The app heap's allocator state, kept apart from the linear memory, when the app heap is not 0. */
export const INSTANCE_APP_HEAP_BYTES = 256;

/** The exec env beside its stack: mostly the classic interpreter's block address cache. */
export const EXEC_ENV_FIXED_BYTES = 2032;
/**
 * THREAD_MGR splits a module's C stack (the aux stack) into five parts (main plus four
 * threads) and refuses parts under 256 bytes, so an aux stack under 1280 bytes fails the exec
 * env's creation.
 */
export const AUX_STACK_MIN_BYTES = 1280;

export function moduleCost(facts: WasmFacts): number {
  return (
    MODULE_FIXED_BYTES +
    MODULE_PER_TYPE_BYTES * facts.typeCount +
    MODULE_PER_VALUE_TYPE_BYTES * facts.valueTypeCount +
    MODULE_PER_FUNCTION_BYTES * facts.functionCount +
    MODULE_PER_GLOBAL_BYTES * facts.globalCount +
    MODULE_PER_TABLE_BYTES * facts.tableCount +
    MODULE_PER_DATA_SEGMENT_BYTES * facts.dataSegmentCount +
    MODULE_PER_EXPORT_BYTES * facts.exportCount +
    (facts.memory ? MODULE_MEMORY_BYTES : 0)
  );
}

/** The instance's own structures; its linear memory is a separate allocation. */
export function instanceCost(facts: WasmFacts, appHeapBytes: number): number {
  const memory = facts.memory ? INSTANCE_MEMORY_BYTES + (appHeapBytes > 0 ? INSTANCE_APP_HEAP_BYTES : 0) : 0;
  return INSTANCE_FIXED_BYTES + INSTANCE_PER_FUNCTION_BYTES * facts.functionCount + INSTANCE_PER_GLOBAL_BYTES * facts.globalCount + memory;
}

/**
 * The one allocation that holds a module's linear memory and the app heap. No memory, no app
 * heap. Otherwise the initial pages, or the shrunk size when the loader may shrink them (no
 * memory.grow/memory.size, and both `__heap_base` and `__data_end` exported: the memory ends
 * at `__heap_base`, rounded up to 8), plus the app heap — except that a memory of 0 initial
 * pages with a maximum above 0 gets the app heap as a whole extra 64 KiB page.
 */
export function linearMemoryBytes(facts: WasmFacts, appHeapBytes: number): number {
  const memory = facts.memory;
  if (!memory) return 0;
  const maximum = memory.maximum ?? WASM_PAGE_BYTES;
  if (memory.initial === 0 && maximum > 0 && appHeapBytes > 0) return WASM_PAGE_BYTES;
  const heapBase = facts.exportedGlobals.get('__heap_base');
  const shrinkable = !facts.growsMemory && heapBase !== undefined && facts.exportedGlobals.has('__data_end');
  const whole = memory.initial * WASM_PAGE_BYTES;
  const pages = shrinkable ? Math.min(whole, Math.ceil((heapBase >>> 0) / 8) * 8) : whole;
  return pages + appHeapBytes;
}

export function execEnvCost(stackBytes: number): number {
  return stackBytes + EXEC_ENV_FIXED_BYTES;
}

/** One allocation of the firmware's WAMR calls, and the error the task fails with when it does not fit. */
export interface Charge {
  what: 'module' | 'instance' | 'linear memory' | 'exec env';
  bytes: number;
  error: string;
  /** Refused whatever the pool holds (THREAD_MGR and a too small aux stack). */
  refused?: boolean;
}

/** wasm_runtime_load. */
export function loadCharge(facts: WasmFacts): Charge {
  return { what: 'module', bytes: moduleCost(facts), error: 'WASM module load failed: allocate memory failed' };
}

/**
 * wasm_runtime_instantiate (the instance, then its linear memory) and
 * wasm_runtime_create_exec_env, in that order; the firmware words an exec env it cannot create
 * as an instantiation that ran out of memory.
 */
export function instantiateCharges(facts: WasmFacts, stackBytes: number, appHeapBytes: number): Charge[] {
  const charges: Charge[] = [{ what: 'instance', bytes: instanceCost(facts, appHeapBytes), error: 'WASM module instantiate failed: allocate memory failed' }];
  const memory = linearMemoryBytes(facts, appHeapBytes);
  if (memory > 0) charges.push({ what: 'linear memory', bytes: memory, error: 'WASM module instantiate failed: allocate linear memory failed' });
  const auxStackRefused = facts.auxStackBytes !== undefined && facts.auxStackBytes < AUX_STACK_MIN_BYTES;
  charges.push({
    what: 'exec env',
    bytes: execEnvCost(stackBytes),
    error: 'WASM module instantiate failed: allocate memory failed',
    ...(auxStackRefused ? { refused: true } : {}),
  });
  return charges;
}

export class HeapPool {
  private usedBytes = 0;
  private highBytes = 0;

  constructor(readonly total = USABLE_POOL_BYTES) {
    this.take(RUNTIME_BASELINE_BYTES);
  }

  get used(): number {
    return this.usedBytes;
  }

  get free(): number {
    return this.total - this.usedBytes;
  }

  get high(): number {
    return this.highBytes;
  }

  /** Takes `bytes` from the pool; false (nothing taken) when they do not fit. */
  take(bytes: number): boolean {
    if (bytes > this.free) return false;
    this.usedBytes += bytes;
    this.highBytes = Math.max(this.highBytes, this.usedBytes);
    return true;
  }

  give(bytes: number): void {
    this.usedBytes -= bytes;
  }
}
