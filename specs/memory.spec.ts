import { buildTask } from '../harness/propeller/task.ts';
import { heapBaseline, lastHeap } from '../harness/playwright/boardState.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';
import { requireCapabilities } from '../harness/profiles/unsupported.ts';

// Each case must end in an error result with WAMR's wording, leave the board running (the
// witness fails the test on any reboot or fatal error), give the pool back to its baseline,
// and leave the board able to run the next task.
//
// The pool arithmetic, from real WAMR 2.2.0 with the firmware's settings, 32-bit build
// (docs/wamr-measured.md; the chip's Xtensa build lands near these figures, not on them):
//   usable pool 40744 bytes, 48 of them taken by the runtime (the baseline);
//   a task without linear memory = module + instance + exec env (stack + 2032), no app heap:
//     loop at 16K/16K:  328 + 440 + 18416 = 19184
//     add  at 16K/16K:  344 + 440 + 18416 = 19200
//     add-small at 2048/0: 344 + 440 + 4080 = 4864
test.describe('memory exhaustion', () => {
  for (const name of ['toobig', 'memgrow', 'recurse']) {
    test(`${name}: the pool holds, and the next task runs`, async ({ board, manager, workloads, observations, profile }) => {
      // The pool's return to its baseline is read from the heap lines.
      requireCapabilities(profile, 'heap-lines');
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

  test('a default task runs beside one running loop; a third task beside two is refused by the pool; the board serves the next', async ({
    board,
    manager,
    workloads,
    profile,
  }) => {
    requireCapabilities(profile, 'concurrent-tasks', 'stop', 'responsive-while-running', 'heap-lines');
    const baseline = heapBaseline(board);
    const since = board.console.mark();
    const hogs = [buildTask({ wasm: workloads.loop!.bytes, name: 'hog-1' }), buildTask({ wasm: workloads.loop!.bytes, name: 'hog-2' })];
    const [first, second] = hogs as [(typeof hogs)[0], (typeof hogs)[0]];
    await manager.start(first);
    await board.console.expect((e) => e.kind === 'task.started' && e.id === first.id, { timeout: 5_000, since });
    // 48 + 19184 (loop) + 19200 (add) = 38432 of 40744 bytes: the two fit. A firmware that gave
    // a module without memory an app heap (16 KB more each) or lost pool bytes refuses add here.
    expect(await manager.run(workloads.add!), 'a default task beside one running loop').toEqual({ results: '5' });
    await manager.start(second);
    await board.console.expect((e) => e.kind === 'task.started' && e.id === second.id, { timeout: 5_000, since });
    // 48 + 2 × 19184 = 38416; a third, even add-small (4864), would need 43280 > 40744: its exec
    // env does not fit. A pool larger than the firmware's 40 KB lets it run.
    const small = workloads['add-small']!;
    expect(await manager.run(small), 'a third task beside two running loops').toEqual({
      error: 'WASM module instantiate failed: allocate memory failed',
    });
    for (const hog of hogs) await manager.stop(hog.id, hog.name);
    for (const hog of hogs) {
      expect(await manager.awaitResult(hog.id, { timeout: 5_000 }), `${hog.name} was still running`).toEqual({ error: 'Exception: terminated by user' });
      await board.console.expect((e) => e.kind === 'task.stopped' && e.id === hog.id, { timeout: 2_000, since });
    }
    await board.console.expect((e) => e.kind === 'heap' && e.used === baseline, { timeout: 2_000, since });
    expect(await manager.run(small), 'the board serves the next task').toEqual(small.expect);
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });
});
