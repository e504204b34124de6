import type { Board } from '../bench/board.ts';
import type { LogEventOf } from '../console/events.ts';
import { HilError } from '../errors.ts';

/**
 * The WAMR heap pool as the board reported it right after its runtime came up at the last
 * boot (CONTRACT.md §4.5): the baseline every task must give back.
 */
export function heapBaseline(board: Board): number {
  const events = board.console.events;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.kind !== 'wasm.ready') continue;
    const heap = events.slice(i + 1).find((e): e is LogEventOf<'heap'> => e.kind === 'heap');
    if (heap) return heap.used;
  }
  throw new HilError(`${board.name}: no "Heap pool" line after the last "WAMR runtime ready"`, `transcript: ${board.console.transcriptPath}`);
}

/** The most recent heap report, the one after the last task ended. */
export function lastHeap(board: Board): LogEventOf<'heap'> {
  const heap = board.console.events.findLast((e): e is LogEventOf<'heap'> => e.kind === 'heap');
  if (!heap) throw new HilError(`${board.name}: no "Heap pool" line yet`, `transcript: ${board.console.transcriptPath}`);
  return heap;
}
