import { randomUUID } from 'node:crypto';
import { buildTask } from '../harness/propeller/task.ts';
import { loadWorkloads } from '../harness/propeller/workloadTable.ts';
import { heapBaseline, lastHeap } from '../harness/playwright/boardState.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';
import { expectedError } from '../harness/profiles/builtin.ts';
import type { Capability } from '../harness/profiles/schema.ts';
import { requireCapabilities, requireHostFunctions } from '../harness/profiles/unsupported.ts';
import type { Outcome } from '../harness/propeller/manager.ts';

// Read at load time so that each row of the table is a test of its own, named after it.
const table = Object.values(loadWorkloads());
/** Small per-task stack and heap (CONTRACT.md §1), so that a full task table fits in the pool. */
const SMALL = { PROPLET_STACK_SIZE: '2048', PROPLET_HEAP_SIZE: '0' };
const SLOTS = 4;
/** Workloads that need more of the firmware than running a module: loop ends only at the watchdog. */
const NEEDS: Record<string, Capability[]> = { loop: ['watchdog'] };
/** Workloads where upstream v0.5.0 fails, and why, as its source shows (docs/upstream-firmware.md "WASM"). */
const UPSTREAM_GAPS: Record<string, string> = {
  'add-arity': 'no arity check: main is called with a missing input and fails as "WASM execution failed: Unknown error"',
  memgrow: 'the system allocator, not a 40 KiB pool: the memory is allocated and grows to its maximum',
  'memgrow-noheap': 'the system allocator: memory.grow succeeds',
  nomain: 'without main it publishes error_buf that WAMR never wrote (an empty error)',
  toobig: 'the system allocator: the page is allocated and the module runs',
  'unknown-import': 'WAMR links the module anyway; the call traps as "failed to call unlinked import function"',
  start: 'a start function is run, not refused',
  'f64-result': 'a non-i32 result is published as text ("1.5,7"), not refused',
};

test.describe('tasks', () => {
  for (const w of table.filter((w) => w.name !== 'large')) {
    const tag = w.name in UPSTREAM_GAPS ? ['@upstream-gap'] : [];
    test(`workload ${w.name}: ${'results' in w.expect ? `results "${w.expect.results}"` : w.expect.error}`, { tag }, async ({
      board,
      manager,
      observations,
      profile,
    }) => {
      requireCapabilities(profile, ...(NEEDS[w.name] ?? []));
      requireHostFunctions(profile, w.bytes);
      const expected: Outcome = 'results' in w.expect ? w.expect : { error: expectedError(profile, w.expect.error) };
      const since = board.console.mark();
      const started = performance.now();
      const outcome = await manager.run(w);
      observations.metric(`task.roundTrip.${w.name}`, performance.now() - started);
      expect(outcome, w.why).toEqual(expected);
      const done = await board.console.expect((e) => e.kind === 'task.finished' || e.kind === 'task.failed', { timeout: 2_000, since });
      expect(done.kind).toBe('results' in w.expect ? 'task.finished' : 'task.failed');
      for (const text of w.logs ?? []) {
        await board.console.expect((e) => e.kind === 'task.log' && e.text === text, { timeout: 2_000, since });
      }
    });
  }

  test('a task payload over 1 KiB runs', async ({ manager, workloads, profile }) => {
    requireCapabilities(profile, 'large-payload');
    const large = workloads.large!;
    expect(JSON.stringify(buildTask({ wasm: large.bytes, inputs: large.inputs })).length, 'the fixture is over 1 KiB').toBeGreaterThan(1024);
    expect(await manager.run(large)).toEqual(large.expect);
  });

  test('inputs at the edges of i32 reach main unchanged', async ({ manager, workloads }) => {
    const add = workloads.add!;
    const cases: [number[], string][] = [
      [[0, 0], '0'],
      [[-1, -1], '-2'],
      [[2147483647, 0], '2147483647'],
      [[-2147483648, 0], '-2147483648'],
      [[2147483647, 1], '-2147483648'],
    ];
    for (const [inputs, results] of cases) {
      expect(await manager.run(add, inputs), `add(${inputs.join(', ')})`).toEqual({ results });
    }
  });

  test('a running task can be stopped (the manager\'s stop {id, broadcast, proplet_id}), and its slot and memory come back', async ({ board, manager, workloads, profile }) => {
    requireCapabilities(profile, 'stop', 'responsive-while-running', 'heap-lines');
    const baseline = heapBaseline(board);
    const since = board.console.mark();
    const task = buildTask({ wasm: workloads.loop!.bytes, name: 'loop' });
    await manager.start(task);
    await board.console.expect((e) => e.kind === 'task.started' && e.id === task.id, { timeout: 5_000, since });
    await manager.stop(task.id, task.name);
    expect(await manager.awaitResult(task.id, { timeout: 5_000 })).toEqual({ error: 'Exception: terminated by user' });
    await board.console.expect((e) => e.kind === 'task.stopped' && e.id === task.id, { timeout: 2_000, since });
    await board.console.expect((e) => e.kind === 'heap', { timeout: 2_000, since });
    expect(lastHeap(board).used, 'heap pool back at its baseline').toBe(baseline);
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });

  // Upstream v0.5.0 runs every start on the channel, whichever proplet it names.
  test('a task addressed to another proplet is not run', { tag: '@upstream-gap' }, async ({ board, manager, workloads }) => {
    const add = workloads.add!;
    const since = board.console.mark();
    const elsewhere = buildTask({ wasm: add.bytes, inputs: [2, 3], name: 'elsewhere', propletId: `not-${randomUUID()}` });
    await manager.start(elsewhere);
    const ignored = await board.console.expect((e) => e.kind === 'task.ignored' && e.id === elsewhere.id, { timeout: 5_000, since });
    expect(ignored).toMatchObject({ proplet_id: elsewhere.proplet_id });
    // A task of our own afterwards: the board went on as before, and had it run the other one,
    // its result would have come first.
    expect(await manager.run(add)).toEqual({ results: '5' });
    const seen = board.console.events.slice(since);
    expect(seen.filter((e) => 'id' in e && e.id === elsewhere.id).map((e) => e.kind), 'only ignored, never received or run').toEqual(['task.ignored']);
    expect(manager.messages.some((m) => m.name === 'results' && m.text.includes(elsewhere.id)), 'no result for it').toBe(false);
  });

  test('a task id can be used again once its task has finished', async ({ manager, workloads }) => {
    const id = `reuse-${randomUUID()}`;
    const add = workloads.add!;
    await manager.start(buildTask({ wasm: add.bytes, inputs: [2, 3], id }));
    expect(await manager.awaitResult(id, { timeout: 10_000 })).toEqual({ results: '5' });
    const since = manager.mark();
    await manager.start(buildTask({ wasm: add.bytes, inputs: [40, 2], id }));
    expect(await manager.awaitResult(id, { timeout: 10_000, since })).toEqual({ results: '42' });
  });

  test(`tasks run side by side up to the ${SLOTS} slots; one more is refused`, async ({ board, manager, workloads, profile }) => {
    requireCapabilities(profile, 'concurrent-tasks', 'stop', 'responsive-while-running');
    const since = board.console.mark();
    const tasks = Array.from({ length: SLOTS }, (_, i) => buildTask({ wasm: workloads.loop!.bytes, name: `loop-${i}`, env: SMALL }));
    for (const task of tasks) await manager.start(task);
    const slots = new Set<number>();
    for (const task of tasks) {
      const started = await board.console.expect((e) => e.kind === 'task.started' && e.id === task.id, { timeout: 5_000, since });
      if (started.kind === 'task.started') slots.add(started.slot);
    }
    expect(slots.size, 'each running task has its own slot').toBe(SLOTS);
    const extra = buildTask({ wasm: workloads.add!.bytes, inputs: [1, 2], env: SMALL });
    await manager.start(extra);
    expect(await manager.awaitResult(extra.id, { timeout: 5_000 })).toEqual({ error: 'invalid task: no free task slot' });
    for (const task of tasks) await manager.stop(task.id, task.name);
    for (const task of tasks) {
      expect(await manager.awaitResult(task.id, { timeout: 5_000 })).toEqual({ error: 'Exception: terminated by user' });
    }
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });
});
