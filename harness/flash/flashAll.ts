import { HilError } from '../errors.ts';
import { flashBoard, type FlashOptions, type FlashResult, type FlashTarget } from './flasher.ts';
import type { Firmware } from './manifest.ts';

/**
 * Flashes every leased board at once (the suite's global setup): boards are independent, so
 * eight boards take about as long as the slowest one. Progress goes to each board's log
 * (lines in place would fight on one terminal). Every board is finished before the verdict:
 * one failure names all failed boards in one line, and the boards that did flash stay flashed.
 */
export async function flashAll(targets: FlashTarget[], fw: Firmware, options: Omit<FlashOptions, 'progress'> = {}): Promise<FlashResult[]> {
  const settled = await Promise.allSettled(targets.map((t) => flashBoard(t, fw, options)));
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${targets[i]!.name}: ${describe(s.reason)}`] : []));
  if (failed.length > 0) {
    const worst = settled.some((s) => s.status === 'rejected' && s.reason instanceof HilError && s.reason.exitCode === 2) ? 2 : 1;
    throw new HilError(`${failed.length} of ${targets.length} boards failed to flash — ${failed.join('; ')}`, undefined, worst);
  }
  return settled.map((s) => (s as PromiseFulfilledResult<FlashResult>).value);
}

function describe(reason: unknown): string {
  return reason instanceof HilError ? reason.message : String((reason as Error)?.message ?? reason);
}
