import type { TestInfo } from '@playwright/test';
import { OBSERVATIONS_ATTACHMENT, type Metric, type Observation } from './summary.ts';

/**
 * What one test measured or noticed, for the run summary. Specs record into it; the test's
 * fixture attaches it to the result, where the summary reporter picks it up.
 */
export class Observations {
  private readonly items: Observation[] = [];

  metric(name: string, value: number, unit: Metric['unit'] = 'ms', better: Metric['better'] = 'lower'): void {
    this.items.push({ type: 'metric', name, value, unit, better });
  }

  resetCause(board: string, cause: string): void {
    this.items.push({ type: 'resetCause', board, cause });
  }

  fatalError(board: string, reason: string): void {
    this.items.push({ type: 'fatalError', board, reason });
  }

  async attachTo(testInfo: TestInfo): Promise<void> {
    if (this.items.length === 0) return;
    await testInfo.attach(OBSERVATIONS_ATTACHMENT, {
      body: JSON.stringify(this.items),
      contentType: 'application/json',
    });
  }
}
