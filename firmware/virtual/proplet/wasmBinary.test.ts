import { expect, test } from '@playwright/test';
import { linearMemoryBytes } from './heapPool.ts';
import { inspect, withMemoryMaximum } from './wasmBinary.ts';
import { wat } from './wat.ts';

const shrinkable = wat(`(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 2000))
  (global (export "__data_end") i32 (i32.const 1500))
  (func (export "main") (param i32 i32) (result i32)
    (block (loop (br 1)))
    local.get 0 local.get 1 i32.add))`);

test('a module without memory.grow that exports __heap_base and __data_end is shrunk to __heap_base', () => {
  const facts = inspect(shrinkable);
  expect(facts.growsMemory).toBe(false);
  expect(facts.memory).toEqual({ initial: 1, imported: false });
  expect(facts.exportedFunctions.get('main')).toEqual({ params: 2, results: 1, paramsI32: true, resultsI32: true });
  expect(linearMemoryBytes(facts, 0)).toBe(2000);
  expect(linearMemoryBytes(facts, 16384), 'the app heap comes in the same allocation').toBe(2000 + 16384);
});

test('memory.size or memory.grow anywhere keeps the initial pages whole', () => {
  const facts = inspect(
    wat(`(module (memory 1)
      (global (export "__heap_base") i32 (i32.const 2000))
      (global (export "__data_end") i32 (i32.const 1500))
      (func (export "main") (result i32) (block (result i32) (i32.const 0) (i32.const 4) (i32.store offset=8 align=4) (memory.size))))`),
  );
  expect(facts.growsMemory).toBe(true);
  expect(linearMemoryBytes(facts, 16384)).toBe(65536 + 16384);
});

test('without the two exported globals the pages are kept whole', () => {
  const facts = inspect(wat(`(module (memory 2) (func (export "main")))`));
  expect(facts.growsMemory).toBe(false);
  expect(linearMemoryBytes(facts, 16384)).toBe(2 * 65536 + 16384);
});

test('a memory of 0 initial pages gets the app heap as a whole page, unless it may not grow or there is no app heap', () => {
  expect(linearMemoryBytes(inspect(wat(`(module (memory 0 16))`)), 16384)).toBe(65536);
  expect(linearMemoryBytes(inspect(wat(`(module (memory 0 16))`)), 0)).toBe(0);
  expect(linearMemoryBytes(inspect(wat(`(module (memory 0 0))`)), 16384)).toBe(16384);
  expect(linearMemoryBytes(inspect(wat(`(module (func (export "main")))`)), 16384), 'no memory, no app heap').toBe(0);
});

test('the structure WAMR sizes a module by is counted', () => {
  const facts = inspect(
    wat(`(module
      (type $t (func (result i32)))
      (import "env" "proplet_input" (func (param i32) (result i32)))
      (table 4 funcref) (elem (i32.const 1) $a $a)
      (memory 1) (data (i32.const 0) "x") (data (i32.const 8) "y")
      (global $sp (mut i32) (i32.const 3072))
      (global (export "__data_end") i32 (i32.const 1024))
      (global (export "__heap_base") i32 (i32.const 4096))
      (start $a)
      (func $a (result i32) (i32.const 1))
      (func (export "main") (result f64) (f64.const 1)))`),
  );
  expect(facts).toMatchObject({
    functionCount: 3,
    typeCount: 3,
    valueTypeCount: 1 + 2 + 1,
    globalCount: 3,
    tableCount: 1,
    emptyTableSlots: 2,
    dataSegmentCount: 2,
    exportCount: 3,
    hasStart: true,
    auxStackBytes: 3072 - 1024,
  });
  expect(facts.exportedFunctions.get('main')).toEqual({ params: 0, results: 1, paramsI32: true, resultsI32: false });
});

test('a rewritten memory maximum makes the engine answer memory.grow with -1', () => {
  const grower = wat(`(module (memory (export "memory") 0)
    (func (export "main") (result i32) (memory.grow (i32.const 1))))`);
  const free = new WebAssembly.Instance(new WebAssembly.Module(grower)).exports.main as () => number;
  expect(free(), 'the unmodified module grows').toBe(0);
  const capped = new WebAssembly.Module(withMemoryMaximum(grower, 0));
  const main = new WebAssembly.Instance(capped).exports.main as () => number;
  expect(main()).toBe(-1);
});
