import { buildTask } from '../harness/propeller/task.ts';
import { heapBaseline, lastHeap } from '../harness/playwright/boardState.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';

// Each case must end in an error result with WAMR's wording, leave the board running (the
// witness fails the test on any reboot or fatal error), give the pool back to its baseline,
// and leave the board able to run the next task.
test.describe('memory exhaustion', () => {
  for (const name of ['toobig', 'memgrow', 'recurse']) {
    test(`${name}: the pool holds, and the next task runs`, async ({ board, manager, workloads, observations }) => {
      const w = workloads[name]!;
      const baseline = heapBaseline(board);
      const since = board.console.mark();
      expect(await manager.run(w), w.why).toEqual(w.expect);
      await board.console.expect((e) => e.kind === 'heap', { timeout: 2_000, since });
      const heap = lastHeap(board);
      observations.metric('heap.baseline', baseline, 'bytes');
      observations.metric('heap.highWater', heap.high, 'bytes');
      expect(heap.used, 'heap pool back at its baseline').toBe(baseline);
      expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
    });
  }

  test('a second task that does not fit beside a running one is refused by the pool', async ({ board, manager, workloads }) => {
    const baseline = heapBaseline(board);
    const since = board.console.mark();
    const hog = buildTask({ wasm: workloads.loop!.bytes, name: 'hog' });
    await manager.start(hog);
    await board.console.expect((e) => e.kind === 'task.started' && e.id === hog.id, { timeout: 5_000, since });
    // Two default instances (16 KB stack + 16 KB heap each) cannot share the 40 KB pool.
    expect(await manager.run(workloads.add!)).toEqual({ error: 'WASM module instantiate failed: allocate memory failed' });
    await manager.stop(hog.id, hog.name);
    expect(await manager.awaitResult(hog.id, { timeout: 5_000 })).toEqual({ error: 'Exception: terminated by user' });
    await board.console.expect((e) => e.kind === 'task.stopped' && e.id === hog.id, { timeout: 2_000, since });
    await board.console.expect((e) => e.kind === 'heap' && e.used === baseline, { timeout: 2_000, since });
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });
});
