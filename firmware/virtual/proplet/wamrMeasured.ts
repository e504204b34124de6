/**
 * Real WAMR 2.2.0, measured with the firmware's settings and call sequence (docs/wamr-measured.md
 * says how): outcome texts and pool bytes, per case. wamrMeasured.test.ts holds the virtual
 * proplet to every row. `bits32` is what the model follows (the ESP32-S3 is a 32-bit chip);
 * `bits64` is kept where the two builds differ, for the record.
 */

export type Outcome = { results: string } | { error: string };

/** Where a row's module comes from: a built workload (fixtures/build/), its first bytes, WAT, or raw bytes. */
export type ModuleSource = { workload: string } | { truncatedWorkload: string; bytes: number } | { wat: string } | { hex: string };

export interface OutcomeRow {
  case: string;
  module: ModuleSource;
  inputs: number[];
  /** Task stack and app heap; the firmware's defaults are 16384 / 16384. */
  stack: number;
  heap: number;
  /** What real WAMR (under the firmware's glue at the time) gave, 32-bit build. */
  measured: Outcome | { neverReturns: true } | { firmwareCrash: true };
  /** The 64-bit build's outcome where it differs from the 32-bit one. */
  measured64?: string;
  /** Bytes the linear memory asked for, where the measurement recorded it. */
  linearMemoryBytes?: number;
  /**
   * What the board gives where this firmware deliberately differs from the measured run, and
   * why (CONTRACT.md §4.1, §4.2). Absent: the board gives `measured`.
   */
  board?: { outcome: Outcome; why: string };
}

const DEFAULT = { stack: 16384, heap: 16384 };
const SMALL = { stack: 2048, heap: 0 };

const START_REFUSED = {
  outcome: { error: 'WASM module instantiate failed: start function not supported' },
  why: 'WAMR runs a start function inside wasm_runtime_instantiate, before the firmware holds the instance: no stop or watchdog can end it and host functions have no task yet, so the firmware refuses start functions',
};

export const OUTCOMES: OutcomeRow[] = [
  { case: 'add', module: { workload: 'add.wasm' }, inputs: [2, 3], ...DEFAULT, measured: { results: '5' } },
  { case: 'add-negative', module: { workload: 'add.wasm' }, inputs: [-7, 3], ...DEFAULT, measured: { results: '-4' } },
  { case: 'add-wrap', module: { workload: 'add.wasm' }, inputs: [4294967295, 2], ...DEFAULT, measured: { results: '1' } },
  { case: 'add-arity', module: { workload: 'add.wasm' }, inputs: [1], ...DEFAULT, measured: { error: 'WASM function main expects 2 inputs, got 1' } },
  { case: 'fib', module: { workload: 'fib.wasm' }, inputs: [20], ...DEFAULT, measured: { results: '6765' } },
  { case: 'checksum-1', module: { workload: 'checksum.wasm' }, inputs: [7], ...DEFAULT, measured: { results: '7' } },
  {
    case: 'checksum-16',
    module: { workload: 'checksum.wasm' },
    inputs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    ...DEFAULT,
    measured: { results: '-1270509304' },
  },
  { case: 'input-oob', module: { workload: 'input_oob.wasm' }, inputs: [5], ...DEFAULT, measured: { error: 'Exception: input index out of range' } },
  { case: 'trap', module: { workload: 'trap.wasm' }, inputs: [], ...DEFAULT, measured: { error: 'Exception: unreachable' } },
  { case: 'divzero', module: { workload: 'divzero.wasm' }, inputs: [7, 0], ...DEFAULT, measured: { error: 'Exception: integer divide by zero' } },
  { case: 'recurse', module: { workload: 'recurse.wasm' }, inputs: [], ...DEFAULT, measured: { error: 'Exception: wasm operand stack overflow' } },
  { case: 'loop', module: { workload: 'loop.wasm' }, inputs: [], ...DEFAULT, measured: { error: 'Exception: terminated by user' } },
  { case: 'nomain', module: { workload: 'nomain.wasm' }, inputs: [], ...DEFAULT, measured: { error: 'WASM function main not found' } },
  {
    case: 'unknown-import',
    module: { workload: 'unknown_import.wasm' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: unknown import env.no_such_function' },
  },
  { case: 'large at 4096/0', module: { workload: 'large.wasm' }, inputs: [40, 2], stack: 4096, heap: 0, measured: { results: '42' } },
  { case: 'add-small', module: { workload: 'add.wasm' }, inputs: [20, 22], ...SMALL, measured: { results: '42' } },
  { case: 'spin-small', module: { workload: 'spin.wasm' }, inputs: [200000], ...SMALL, measured: { results: '200000' } },
  { case: 'log', module: { workload: 'log.wasm' }, inputs: [], ...DEFAULT, measured: { results: 'logged,42' } },
  {
    case: 'not-wasm',
    module: { hex: Buffer.from('this is not a module').toString('hex') },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module load failed: magic header not detected' },
  },
  {
    case: 'wrong-version',
    module: { hex: '0061736d02000000' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module load failed: unknown binary version' },
  },
  {
    case: 'memgrow at 16K/16K',
    module: { workload: 'memgrow.wasm' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: allocate linear memory failed' },
    linearMemoryBytes: 65536,
  },
  { case: 'memgrow with no app heap', module: { workload: 'memgrow.wasm' }, inputs: [], stack: 16384, heap: 0, measured: { results: '0' } },
  {
    case: 'toobig at 16K/16K',
    module: { workload: 'toobig.wasm' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: allocate linear memory failed' },
  },
  { case: 'large at 16K/16K', module: { workload: 'large.wasm' }, inputs: [40, 2], ...DEFAULT, measured: { results: '42' } },
  {
    case: 'a module of one 64 KiB page',
    module: { wat: '(module (memory (export "memory") 1) (func (export "main") (result i32) (i32.const 0)))' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: allocate linear memory failed' },
    linearMemoryBytes: 65536 + 16384,
  },
  {
    // What wasm-ld makes of `clang -O2` with its defaults: 2 pages (a 64 KiB C stack beside the
    // data), the stack pointer a mutable global, neither __heap_base nor __data_end exported.
    case: 'clang -O2 defaults',
    module: {
      wat: `(module
        (memory (export "memory") 2)
        (global $__stack_pointer (mut i32) (i32.const 66576))
        (func (export "main") (result i32) (i32.const 42)))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: allocate linear memory failed' },
    linearMemoryBytes: 2 * 65536 + 16384,
  },
  {
    // `-Wl,-z,stack-size=1024 -Wl,--export=__heap_base -Wl,--export=__data_end`: data from 1024
    // to __data_end, then the 1 KiB stack up to __heap_base (wasm-ld's default layout).
    case: 'clang with a 1 KiB aux stack',
    module: {
      wat: `(module
        (memory (export "memory") 1)
        (global $__stack_pointer (mut i32) (i32.const 2064))
        (global (export "__data_end") i32 (i32.const 1028))
        (global (export "__heap_base") i32 (i32.const 2064))
        (data (i32.const 1024) "\\2a\\00\\00\\00")
        (func (export "main") (result i32) (i32.load (i32.const 1024))))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: allocate memory failed' },
  },
  {
    // The same with `-Wl,-z,stack-size=2048`: 2060 bytes of aux stack (over 1280), and the
    // task fits the pool at the defaults with about 1.3 KB to spare.
    case: 'clang with a 2 KiB aux stack',
    module: {
      wat: `(module
        (memory (export "memory") 1)
        (global $__stack_pointer (mut i32) (i32.const 3088))
        (global (export "__data_end") i32 (i32.const 1028))
        (global (export "__heap_base") i32 (i32.const 3088))
        (data (i32.const 1024) "\\2a\\00\\00\\00")
        (func (export "main") (result i32) (i32.load (i32.const 1024))))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { results: '42' },
  },
  {
    case: 'the start function traps',
    module: { wat: '(module (func $s unreachable) (start $s) (func (export "main") (result i32) (i32.const 0)))' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: Exception: unreachable' },
    board: START_REFUSED,
  },
  {
    case: 'the start function loops',
    module: { wat: '(module (func $s (loop $l (br $l))) (start $s) (func (export "main") (result i32) (i32.const 0)))' },
    inputs: [],
    ...DEFAULT,
    measured: { neverReturns: true },
    board: START_REFUSED,
  },
  {
    case: 'the start function calls a host function',
    module: {
      wat: `(module (import "env" "proplet_input_count" (func $count (result i32)))
        (func $s (drop (call $count))) (start $s) (func (export "main") (result i32) (i32.const 0)))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { firmwareCrash: true },
    board: START_REFUSED,
  },
  {
    // Shrinkable (no memory.grow, __heap_base and __data_end exported), so it fits the pool.
    case: 'imports env.memory',
    module: {
      wat: `(module
        (import "env" "proplet_log" (func $log (param i32 i32)))
        (import "env" "memory" (memory 1))
        (global (export "__data_end") i32 (i32.const 64))
        (global (export "__heap_base") i32 (i32.const 64))
        (data (i32.const 0) "memory from env")
        (func (export "main") (result i32) (call $log (i32.const 0) (i32.const 15)) (i32.const 7)))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module instantiate failed: unknown import env.memory' },
    board: {
      outcome: { results: '7' },
      why: 'WAMR itself makes an imported env.memory from its declared limits; the firmware no longer refuses it (any other memory import still is an unknown import)',
    },
  },
  {
    case: 'main returns (f64, i32)',
    module: { wat: '(module (func (export "main") (result f64 i32) (f64.const 1.5) (i32.const 7)))' },
    inputs: [],
    ...DEFAULT,
    measured: { results: '7' },
    board: {
      outcome: { error: 'WASM function main returns a non-i32 result' },
      why: 'the results line is comma-separated i32 (CONTRACT.md §4.1); dropping the f64 silently hid it, so the firmware reports it',
    },
  },
  {
    case: 'f32 to i32 of NaN',
    module: { wat: '(module (func (export "main") (result i32) (i32.trunc_f32_s (f32.const nan))))' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'Exception: invalid conversion to integer' },
  },
  {
    case: 'a call through an empty table slot',
    module: {
      wat: `(module (type $t (func (result i32))) (table 2 funcref) (elem (i32.const 0) $f)
        (func $f (result i32) (i32.const 1))
        (func (export "main") (result i32) (call_indirect (type $t) (i32.const 1))))`,
    },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'Exception: uninitialized element' },
  },
  {
    case: 'a truncated module',
    module: { truncatedWorkload: 'add.wasm', bytes: 30 },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module load failed: unexpected end' },
  },
  {
    case: 'an ill-typed function body',
    module: { wat: '(module (func (export "main") (result i32)))' },
    inputs: [],
    ...DEFAULT,
    measured: { error: 'WASM module load failed: type mismatch: stack size does not match block type' },
  },
];

/** Pool bytes (used = total_size − total_free_size), 32-bit and 64-bit builds. */
export const POOL = {
  usable: { bits32: 40744, bits64: 40568 },
  baseline: { bits32: 48, bits64: 80 },
  /** Modules, by what wasm_runtime_load took. */
  module: {
    add: { bits32: 344, bits64: 480 },
    /** add plus a 4000-byte custom section: the same structure, the same cost. */
    large: { bits32: 344, bits64: 480 },
    /** 300 one-instruction functions of one signature, `main` the one export. */
    functions300: { bits32: 15920, bits64: 24464 },
  },
  /** add's instance (no linear memory), by what wasm_runtime_instantiate took. */
  instanceWithoutMemory: { bits32: 440, bits64: 504 },
  /** create_exec_env takes the stack plus this. */
  execEnvOverhead: { bits32: 2032, bits64: 3712 },
  /** `add` at 16K/16K, used after each step. */
  addSteps: { load: 392, instantiate: 832, execEnv: 19248, teardown: 48 },
  peak: {
    add: { bits32: 19248, bits64: 21160 },
    /** One page shrunk to 64 bytes + the 16 KiB heap = a 16448-byte linear memory. */
    log: { bits32: 36512, bits64: 38808 },
  },
  /** add at 2048 / 0 above the baseline, and how many fit at once. */
  smallTask: { bits32: 4864, bits64: 6744 },
  smallTasksAtOnce: { bits32: 8, bits64: 5 },
  /** `loop` running, then `add`, both 16K/16K: used with both in the pool (32-bit; 64-bit refuses add). */
  loopAndAdd: { bits32: 38432 },
} as const;
