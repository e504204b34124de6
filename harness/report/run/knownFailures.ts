import type { Summary } from './summary.ts';

export interface KnownFailuresCheck {
  ok: boolean;
  /** Tagged tests that failed, as the firmware's known gaps predict. */
  expected: string[];
  /** Failures the tag does not explain: something else is broken. */
  unexplained: string[];
  /** Tagged tests that passed: the gap is gone, or the test no longer catches it. */
  notCaught: string[];
}

const failed = (v: Summary['tests'][number]['verdict']) => v === 'failed' || v === 'timedOut' || v === 'interrupted';

/**
 * A test of the tests: on a firmware with known gaps, exactly the tests tagged with the gap
 * must fail. A tagged test that passes means the suite no longer catches the gap; an untagged
 * failure means the run broke for another reason.
 */
export function checkKnownFailures(summary: Summary, tag: string): KnownFailuresCheck {
  const tagged = (t: Summary['tests'][number]) => t.tags.includes(tag);
  const expected = summary.tests.filter((t) => tagged(t) && failed(t.verdict)).map((t) => t.id);
  const unexplained = summary.tests.filter((t) => !tagged(t) && failed(t.verdict)).map((t) => t.id);
  const notCaught = summary.tests.filter((t) => tagged(t) && t.verdict === 'passed').map((t) => t.id);
  return { ok: expected.length > 0 && unexplained.length === 0 && notCaught.length === 0, expected, unexplained, notCaught };
}

export function describeKnownFailures(check: KnownFailuresCheck, tag: string): string {
  const list = (title: string, ids: string[]) => (ids.length ? [`${title}:`, ...ids.map((id) => `  ${id}`)] : []);
  return [
    check.ok
      ? `known failures confirmed: exactly the ${check.expected.length} tests tagged ${tag} failed`
      : `known failures NOT confirmed for ${tag}`,
    ...list(`failed as ${tag} predicts`, check.ok ? [] : check.expected),
    ...list('failed without the tag (another problem)', check.unexplained),
    ...list(`passed although tagged ${tag} (the gap is not caught)`, check.notCaught),
  ].join('\n');
}
