/**
 * The virtual proplet against real WAMR 2.2.0 (wamrMeasured.ts, docs/wamr-measured.md): every
 * measured row, the 32-bit column. Outcomes — fit or no fit, results and error texts — must
 * match exactly. Byte figures must lie within TOLERANCE: the model counts WAMR's structures
 * (module, instance, linear memory, exec env) with one cost per kind of item, while the real
 * allocator adds a block header and 8-byte rounding to each of its many small allocations, so
 * a figure may be off by a few bytes per allocation; 1 % of the figure, at least 64 bytes,
 * bounds that and still fails a model that charges the wrong thing (a module's byte size, an
 * app heap without a memory, a missing exec env: each kilobytes off).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ZephyrConsole } from './console.ts';
import { HeapPool, instanceCost, instantiateCharges, linearMemoryBytes, loadCharge, RUNTIME_BASELINE_BYTES, USABLE_POOL_BYTES, execEnvCost } from './heapPool.ts';
import { TaskRunner, type TaskResult } from './taskRunner.ts';
import { OUTCOMES, POOL, type ModuleSource, type Outcome } from './wamrMeasured.ts';
import { inspect } from './wasmBinary.ts';
import { wat } from './wat.ts';

const BUILD = new URL('../../../fixtures/build/', import.meta.url);

function tolerance(measured: number): number {
  return Math.max(64, Math.ceil(measured * 0.01));
}

function expectNear(model: number, measured: number, what: string): void {
  expect(Math.abs(model - measured), `${what}: model ${model} bytes, measured ${measured} ± ${tolerance(measured)}`).toBeLessThanOrEqual(tolerance(measured));
}

function workload(file: string): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(new URL(file, BUILD)));
  } catch {
    throw new Error(`fixtures/build/${file} is missing: run npm run fixtures`);
  }
}

function moduleBytes(source: ModuleSource): Uint8Array<ArrayBuffer> {
  if ('workload' in source) return workload(source.workload);
  if ('truncatedWorkload' in source) return workload(source.truncatedWorkload).slice(0, source.bytes);
  if ('wat' in source) return wat(source.wat);
  return new Uint8Array(Buffer.from(source.hex, 'hex'));
}

/** 300 one-instruction functions of one signature; the last one is `main`. */
function functions300(): Uint8Array<ArrayBuffer> {
  const funcs = Array.from({ length: 300 }, (_, i) => `(func${i === 299 ? ' (export "main")' : ''} (result i32) (i32.const ${i}))`);
  return wat(`(module ${funcs.join(' ')})`);
}

/** The firmware's task table with its own pool and console, as the proplet drives it. */
function taskBench(timeoutMs = 1000) {
  const pool = new HeapPool();
  const lines: string[] = [];
  const console = new ZephyrConsole({ uartWrite: (data) => lines.push(String(data)), uptimeMs: () => 0 });
  const waiting = new Map<string, (result: TaskResult) => void>();
  const runner = new TaskRunner(console, pool, (result) => waiting.get(result.task_id)?.(result), timeoutMs);
  let n = 0;
  return {
    pool,
    lines,
    runner,
    start(wasm: Uint8Array, inputs: number[], stack: number, heap: number, id = `t-${n++}`): { id: string; result: Promise<Outcome> } {
      const result = new Promise<Outcome>((resolve, reject) => {
        // A bound for a stuck task, not a timing: a task thread can take seconds to start on a busy host.
        const timer = setTimeout(() => reject(new Error(`task ${id}: no result in 30 s; console:\n${lines.slice(-6).join('')}`)), 30_000);
        waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve('error' in r ? { error: r.error } : { results: r.results });
        });
      });
      runner.start({ id, name: id, wasm: Buffer.from(wasm), inputs, stackBytes: stack, appHeapBytes: heap });
      return { id, result };
    },
  };
}

test.describe('every measured outcome', () => {
  for (const row of OUTCOMES) {
    const expected = row.board?.outcome ?? row.measured;
    test(`${row.case} (${row.stack}/${row.heap}): ${JSON.stringify(expected)}`, async () => {
      expect('results' in expected || 'error' in expected, 'a case WAMR never finishes has a board outcome').toBe(true);
      const bench = taskBench();
      try {
        const wasm = moduleBytes(row.module);
        expect(await bench.start(wasm, row.inputs, row.stack, row.heap).result, row.board?.why).toEqual(expected);
        expect(bench.pool.used, 'every case gives the pool back to the baseline').toBe(RUNTIME_BASELINE_BYTES);
        if (row.linearMemoryBytes !== undefined) {
          expect(linearMemoryBytes(inspect(wasm), row.heap), 'the linear memory asked for').toBe(row.linearMemoryBytes);
        }
      } finally {
        bench.runner.shutdown();
      }
    });
  }
});

test.describe('every measured pool figure (32-bit)', () => {
  const add = () => inspect(workload('add.wasm'));

  test(`usable pool ${POOL.usable.bits32}, baseline ${POOL.baseline.bits32}`, () => {
    const pool = new HeapPool();
    expect(pool.used + pool.free).toBe(POOL.usable.bits32);
    expect(USABLE_POOL_BYTES).toBe(POOL.usable.bits32);
    expect(pool.used).toBe(POOL.baseline.bits32);
  });

  test('a module costs its structure, not its bytes', () => {
    expectNear(loadCharge(add()).bytes, POOL.module.add.bits32, 'add.wasm');
    expectNear(loadCharge(inspect(workload('large.wasm'))).bytes, POOL.module.large.bits32, 'large.wasm');
    expectNear(loadCharge(inspect(functions300())).bytes, POOL.module.functions300.bits32, '300 functions');
  });

  test(`an instance without linear memory, ${POOL.instanceWithoutMemory.bits32}; an exec env, stack + ${POOL.execEnvOverhead.bits32}`, () => {
    expectNear(instanceCost(add(), 16384), POOL.instanceWithoutMemory.bits32, 'instance of add');
    expect(instantiateCharges(add(), 16384, 16384).map((c) => c.what), 'no memory, no app heap').toEqual(['instance', 'exec env']);
    for (const stack of [1024, 2048, 16384]) expectNear(execEnvCost(stack) - stack, POOL.execEnvOverhead.bits32, `exec env beside a ${stack}-byte stack`);
  });

  test('add at 16K/16K, step by step', () => {
    const pool = new HeapPool();
    pool.take(loadCharge(add()).bytes);
    expectNear(pool.used, POOL.addSteps.load, 'after load');
    const [instance, execEnv] = instantiateCharges(add(), 16384, 16384);
    pool.take(instance!.bytes);
    expectNear(pool.used, POOL.addSteps.instantiate, 'after instantiate');
    pool.take(execEnv!.bytes);
    expectNear(pool.used, POOL.addSteps.execEnv, 'after create_exec_env');
  });

  test('peaks of add and log at 16K/16K, of add at 2048/0; back to the baseline after each', async () => {
    test.setTimeout(120_000);
    for (const [file, inputs, stack, heap, peak] of [
      ['add.wasm', [2, 3], 16384, 16384, POOL.peak.add.bits32],
      ['log.wasm', [], 16384, 16384, POOL.peak.log.bits32],
      ['add.wasm', [20, 22], 2048, 0, POOL.baseline.bits32 + POOL.smallTask.bits32],
    ] as const) {
      const bench = taskBench();
      try {
        expect('results' in (await bench.start(workload(file), [...inputs], stack, heap).result)).toBe(true);
        expectNear(bench.pool.high, peak, `peak of ${file} at ${stack}/${heap}`);
        expect(bench.pool.used).toBe(POOL.addSteps.teardown);
      } finally {
        bench.runner.shutdown();
      }
    }
  });

  test(`${POOL.smallTasksAtOnce.bits32} tasks at 2048/0 fit the pool at once, not one more`, () => {
    // The firmware has 4 task slots; the pool alone would hold this many.
    const pool = new HeapPool();
    const charges = [loadCharge(add()), ...instantiateCharges(add(), 2048, 0)];
    let fitted = 0;
    while (charges.every((c) => pool.take(c.bytes))) fitted++;
    expect(fitted).toBe(POOL.smallTasksAtOnce.bits32);
  });

  test(`loop running and add, both 16K/16K, fit (${POOL.loopAndAdd.bits32} bytes); add gives 5`, async () => {
    const bench = taskBench(10_000);
    try {
      const loop = bench.start(workload('loop.wasm'), [], 16384, 16384);
      expect(await bench.start(workload('add.wasm'), [2, 3], 16384, 16384).result).toEqual({ results: '5' });
      expectNear(bench.pool.high, POOL.loopAndAdd.bits32, 'loop and add');
      bench.runner.stop(loop.id);
      expect(await loop.result).toEqual({ error: 'Exception: terminated by user' });
      expect(bench.pool.used).toBe(RUNTIME_BASELINE_BYTES);
    } finally {
      bench.runner.shutdown();
    }
  });
});
