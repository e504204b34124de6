import { HilError } from '../errors.ts';
import type { FlashResult } from '../flash/flasher.ts';
import type { Firmware } from '../flash/manifest.ts';
import type { BoardStrategy, FlashStepOptions } from './strategy.ts';

/**
 * Flashes every opened board at once: boards are independent, so eight boards take about as
 * long as the slowest one. Progress goes to each board's log (lines in place would fight on
 * one terminal). Every board is finished before the verdict: one failure names all failed
 * boards in one line, and the boards that did flash stay flashed.
 */
export async function flashAll(strategies: BoardStrategy[], fw: Firmware, options: Omit<FlashStepOptions, 'progress'> = {}): Promise<FlashResult[]> {
  const settled = await Promise.allSettled(strategies.map((s) => s.flash(fw, options)));
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${strategies[i]!.board.name}: ${describe(s.reason)}`] : []));
  if (failed.length > 0) {
    const worst = settled.some((s) => s.status === 'rejected' && s.reason instanceof HilError && s.reason.exitCode === 2) ? 2 : 1;
    throw new HilError(`${failed.length} of ${strategies.length} boards failed to flash — ${failed.join('; ')}`, undefined, worst);
  }
  return settled.map((s) => (s as PromiseFulfilledResult<FlashResult>).value);
}

function describe(reason: unknown): string {
  return reason instanceof HilError ? reason.message : String((reason as Error)?.message ?? reason);
}
