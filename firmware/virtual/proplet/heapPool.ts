import { HEAP_POOL_BYTES } from './limits.ts';
import type { WasmFacts } from './wasmBinary.ts';

/**
 * WAMR's global heap pool (CONTRACT.md §4.5): one fixed block every WASM allocation comes
 * from. The sizes below model what WAMR takes for each part; README.md ("The proplet's heap
 * pool model") explains them.
 */
export const WASM_PAGE_BYTES = 65536;
/** The runtime itself after wasm_runtime_full_init: native symbol tables, exec-env bookkeeping. */
export const RUNTIME_BASELINE_BYTES = 3072;
/** WASMModule plus the loader's fixed tables, on top of the module's own bytes. */
export const MODULE_FIXED_BYTES = 768;
/** Per function: WASMFunction and its pre-computed frame info. */
export const MODULE_PER_FUNCTION_BYTES = 48;
/** WASMModuleInstance, its memory instance and the exec env, before stack and memory. */
export const INSTANCE_FIXED_BYTES = 1024;

export function moduleCost(wasmBytes: number, facts: WasmFacts): number {
  return wasmBytes + MODULE_FIXED_BYTES + MODULE_PER_FUNCTION_BYTES * facts.functionCount;
}

/**
 * The linear memory WAMR allocates: the initial pages whole, unless the loader may shrink
 * them to `__heap_base` (no memory.grow/memory.size, and both `__heap_base` and `__data_end`
 * exported: wasm_loader.c, WASM_ENABLE_SHRUNK_MEMORY).
 */
export function linearMemoryBytes(facts: WasmFacts): number {
  if (!facts.memory) return 0;
  const heapBase = facts.exportedGlobals.get('__heap_base');
  const shrinkable = !facts.growsMemory && heapBase !== undefined && facts.exportedGlobals.has('__data_end');
  const whole = facts.memory.initial * WASM_PAGE_BYTES;
  return shrinkable ? Math.min(whole, Math.ceil(heapBase / 8) * 8) : whole;
}

export function instanceCost(facts: WasmFacts, stackBytes: number, appHeapBytes: number): number {
  return INSTANCE_FIXED_BYTES + stackBytes + linearMemoryBytes(facts) + appHeapBytes;
}

export class HeapPool {
  private usedBytes = 0;
  private highBytes = 0;

  constructor(readonly total = HEAP_POOL_BYTES) {
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
