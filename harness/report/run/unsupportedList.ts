import type { Summary } from './summary.ts';

/** The run's "not supported by <profile>" tests, one per line; empty when there are none. */
export function describeUnsupported(summary: Summary): string {
  const tests = summary.tests.filter((t) => t.verdict === 'unsupported');
  if (tests.length === 0) return '';
  return [`${tests.length} not run, not supported by the firmware's profile:`, ...tests.map((t) => `  ${t.id} (${t.unsupported ?? 'not supported'})`)].join('\n');
}
