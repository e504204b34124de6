import { expect, test } from '@playwright/test';
import { compareRuns } from './compare.ts';
import { toHtml, toMarkdown, toText } from './renderComparison.ts';
import { SUMMARY_SCHEMA, type Summary } from '../run/summary.ts';

function run(id: string, version: string, opts: Partial<Summary> = {}): Summary {
  return {
    schema: SUMMARY_SCHEMA,
    runId: id,
    project: 'virtual',
    startedAt: '2026-11-25T00:00:00Z',
    finishedAt: '2026-11-25T00:10:00Z',
    firmware: { name: 'proplet', version, sha256: 'ab' },
    boards: [{ name: 'v0', transport: 'rfc2217://127.0.0.1:1' }],
    tests: [],
    metrics: {},
    resetCauses: [],
    fatalErrors: [],
    ...opts,
  };
}

const t = (id: string, verdict: Summary['tests'][number]['verdict']) => ({ id, title: id, file: 'x.spec.ts', verdict, tags: [], durationMs: 10 });
const m = (samples: number[], better: 'lower' | 'higher' = 'lower') => ({ unit: 'ms' as const, better, samples });

test('a test that passed and now fails is a regression; the reverse is a fix', () => {
  const base = run('r1', '1.0.0', { tests: [t('reconnect', 'passed'), t('lwt', 'failed'), t('boot', 'passed')] });
  const cand = run('r2', '1.1.0', { tests: [t('reconnect', 'failed'), t('lwt', 'passed'), t('boot', 'passed')] });
  const c = compareRuns([base], cand);
  expect(c.regressed).toBe(true);
  expect(c.verdicts.find((v) => v.id === 'reconnect')?.change).toBe('regression');
  expect(c.verdicts.find((v) => v.id === 'lwt')?.change).toBe('fix');
  expect(c.verdicts.find((v) => v.id === 'boot')?.change).toBe('same');
});

test('a test that passed and is now not supported by the firmware is a regression: a capability lost, named in every output', () => {
  const base = run('r1', '1.0.0', { tests: [t('reconnect', 'passed'), t('stop', 'unsupported'), t('boot', 'passed')] });
  const lost = { ...t('reconnect', 'unsupported'), unsupported: 'not supported by upstream-0.5: reconnect' };
  const cand = run('r2', '0.5.0', { tests: [lost, t('stop', 'unsupported'), t('boot', 'skipped')] });
  const c = compareRuns([base], cand);
  expect(c.regressed).toBe(true);
  expect(c.verdicts.find((v) => v.id === 'reconnect')).toMatchObject({ change: 'regression', lost: 'not supported by upstream-0.5: reconnect' });
  expect(c.verdicts.find((v) => v.id === 'stop')?.change, 'unsupported in both: nothing lost').toBe('same');
  expect(c.verdicts.find((v) => v.id === 'boot')).not.toHaveProperty('lost');
  for (const text of [toText(c), toMarkdown(c), toHtml(c)]) expect(text).toContain('capability lost (not supported by upstream-0.5: reconnect)');
});

test('a metric regresses only past both its relative and absolute threshold, in its worse direction', () => {
  const base = run('r1', '1.0.0', { metrics: { 'task.roundTrip': m([100, 102, 98]), 'flash.throughput': m([90_000], 'higher') } });
  const noisy = run('r2', '1.0.1', { metrics: { 'task.roundTrip': m([110]), 'flash.throughput': m([95_000], 'higher') } });
  expect(compareRuns([base], noisy).regressed).toBe(false);
  const slower = run('r3', '1.1.0', { metrics: { 'task.roundTrip': m([400]), 'flash.throughput': m([40_000], 'higher') } });
  const c = compareRuns([base], slower);
  expect(c.metrics.map((x) => [x.name, x.regressed])).toEqual([
    ['flash.throughput', true],
    ['task.roundTrip', true],
  ]);
  // A threshold from lab.config.yaml can widen the tolerance for one metric.
  const tolerant = compareRuns([base], slower, { 'task.roundTrip': { maxIncreasePct: 500 } });
  expect(tolerant.metrics.find((x) => x.name === 'task.roundTrip')?.regressed).toBe(false);
});

test('a reset cause or fatal error the baseline never showed is a regression', () => {
  const base = run('r1', '1.0.0', { resetCauses: [{ board: 'v0', cause: 'POWERON', test: 'boot' }] });
  const cand = run('r2', '1.1.0', {
    resetCauses: [{ board: 'v0', cause: 'TG0WDT_SYS_RST', test: 'tasks' }],
    fatalErrors: [{ board: 'v0', reason: 'CPU exception on CPU 0', test: 'tasks' }],
  });
  const c = compareRuns([base], cand);
  expect(c.newResetCauses).toEqual(['TG0WDT_SYS_RST']);
  expect(c.newFatalErrors).toEqual(['CPU exception on CPU 0']);
  expect(c.regressed).toBe(true);
});

test('all three outputs name the regressed tests and metrics; the HTML draws one chart per metric over every run', () => {
  const runs = [
    run('r1', '0.9.0', { tests: [t('reconnect', 'passed')], metrics: { 'lwt.latency': m([45_000]), 'boot.resetToMqtt': m([900]) } }),
    run('r2', '1.0.0', { tests: [t('reconnect', 'passed')], metrics: { 'lwt.latency': m([44_000]), 'boot.resetToMqtt': m([950]) } }),
    run('r3', '1.1.0', { tests: [t('reconnect', 'failed')], metrics: { 'lwt.latency': m([44_500]), 'boot.resetToMqtt': m([3000]) } }),
  ];
  const c = compareRuns(runs.slice(0, 2), runs[2]!);
  for (const text of [toText(c), toMarkdown(c), toHtml(c)]) {
    expect(text).toContain('reconnect');
    expect(text).toContain('boot.resetToMqtt');
    expect(text).toMatch(/REGRESSION|regressed/);
  }
  const html = toHtml(c);
  expect(html.match(/<svg /g)).toHaveLength(2);
  expect(html.match(/<circle /g)).toHaveLength(6);
  expect(html).not.toMatch(/\b(src|href)=|https?:/);
  expect(toMarkdown(c)).toContain('| reconnect | passed | failed | regression |');
});
