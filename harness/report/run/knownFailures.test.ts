import { expect, test } from '@playwright/test';
import { checkKnownFailures } from './knownFailures.ts';
import { SUMMARY_SCHEMA, type Summary } from './summary.ts';

const summary = (tests: [string, Summary['tests'][number]['verdict'], string[]][]): Summary => ({
  schema: SUMMARY_SCHEMA,
  runId: 'r',
  project: 'virtual',
  startedAt: '',
  finishedAt: '',
  firmware: { name: 'proplet_mqtt_client', version: '0.5.0', sha256: '' },
  boards: [],
  tests: tests.map(([id, verdict, tags]) => ({ id, title: id, file: 'f', verdict, tags, durationMs: 1 })),
  metrics: {},
  resetCauses: [],
  fatalErrors: [],
});

test('exactly the tagged tests failing confirms the known gaps', () => {
  const check = checkKnownFailures(
    summary([
      ['reconnect', 'failed', ['@upstream-gap']],
      ['large payload', 'timedOut', ['@upstream-gap']],
      ['add', 'passed', []],
      ['skipped one', 'skipped', []],
    ]),
    '@upstream-gap',
  );
  expect(check).toEqual({ ok: true, expected: ['reconnect', 'large payload'], unexplained: [], notCaught: [] });
});

test('an untagged failure or a tagged pass breaks the check', () => {
  const s = summary([
    ['reconnect', 'failed', ['@upstream-gap']],
    ['large payload', 'passed', ['@upstream-gap']],
    ['add', 'failed', []],
  ]);
  const check = checkKnownFailures(s, '@upstream-gap');
  expect(check.ok).toBe(false);
  expect(check.unexplained).toEqual(['add']);
  expect(check.notCaught).toEqual(['large payload']);
});

test('a run where nothing failed does not confirm a gap', () => {
  expect(checkKnownFailures(summary([['reconnect', 'passed', []]]), '@upstream-gap').ok).toBe(false);
});
