import { expect, test } from '@playwright/test';
import { instanceCost, linearMemoryBytes } from './heapPool.ts';
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
  expect(facts.exportedFunctions.get('main')).toEqual({ params: 2, results: 1 });
  expect(linearMemoryBytes(facts)).toBe(2000);
});

test('memory.size or memory.grow anywhere keeps the initial pages whole', () => {
  const facts = inspect(
    wat(`(module (memory 1)
      (global (export "__heap_base") i32 (i32.const 2000))
      (global (export "__data_end") i32 (i32.const 1500))
      (func (export "main") (result i32) (block (result i32) (i32.const 0) (i32.const 4) (i32.store offset=8 align=4) (memory.size))))`),
  );
  expect(facts.growsMemory).toBe(true);
  expect(linearMemoryBytes(facts)).toBe(65536);
  expect(instanceCost(facts, 16384, 16384)).toBeGreaterThan(40960);
});

test('without the two exported globals the pages are kept whole', () => {
  const facts = inspect(wat(`(module (memory 2) (func (export "main")))`));
  expect(facts.growsMemory).toBe(false);
  expect(linearMemoryBytes(facts)).toBe(2 * 65536);
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
