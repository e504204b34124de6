import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { FullConfig, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { profileByName } from '../../profiles/builtin.ts';
import { missingCapabilities, UNSUPPORTED_ANNOTATION, unsupportedText } from '../../profiles/unsupported.ts';
import { SummarySchema } from './summary.ts';
import SummaryReporter from './summaryReporter.ts';
import { describeUnsupported } from './unsupportedList.ts';

const project = { name: 'virtual-v0' };

function testCase(title: string, annotations: TestCase['annotations'] = []): TestCase {
  return { title, titlePath: () => ['', 'virtual-v0', 'reconnect.spec.ts', title], parent: { project: () => project }, location: { file: 'specs/reconnect.spec.ts' }, tags: [], annotations } as unknown as TestCase;
}

function result(status: TestResult['status'], annotations: TestResult['annotations'] = []): TestResult {
  return { status, duration: 5, attachments: [], annotations } as unknown as TestResult;
}

test('a test skipped for a missing capability is "unsupported", named with its profile; a plain skip stays skipped', () => {
  const upstream = profileByName('upstream-0.5');
  const missing = missingCapabilities(upstream, ['reconnect', 'manager-metrics']);
  expect(missing).toEqual(['reconnect']);
  const text = unsupportedText(upstream, missing);
  expect(text).toBe('not supported by upstream-0.5: reconnect');
  const dir = mkdtempSync(join(tmpdir(), 'hil-summary-'));
  const env = { dir: process.env.HIL_REPORTS_DIR, run: process.env.HIL_RUN_ID };
  process.env.HIL_REPORTS_DIR = dir;
  process.env.HIL_RUN_ID = 'unsupported-run';
  try {
    const reporter = new SummaryReporter();
    reporter.onBegin({} as FullConfig, { suites: [{ project: () => project }] } as unknown as Suite);
    const annotation = { type: UNSUPPORTED_ANNOTATION, description: text };
    reporter.onTestEnd(testCase('reconnects after a broker restart', [annotation]), result('skipped', [annotation]));
    reporter.onTestEnd(testCase('skipped for another reason'), result('skipped'));
    reporter.onTestEnd(testCase('passes'), result('passed'));
    reporter.onEnd();
    const summary = SummarySchema.parse(JSON.parse(readFileSync(join(dir, 'unsupported-run', 'summary.json'), 'utf8')));
    expect(summary.tests.map((t) => [t.title, t.verdict, t.unsupported])).toEqual([
      ['reconnects after a broker restart', 'unsupported', text],
      ['skipped for another reason', 'skipped', undefined],
      ['passes', 'passed', undefined],
    ]);
    expect(describeUnsupported(summary)).toBe(
      "1 not run, not supported by the firmware's profile:\n  virtual-v0 › reconnect.spec.ts › reconnects after a broker restart (not supported by upstream-0.5: reconnect)",
    );
  } finally {
    if (env.dir === undefined) delete process.env.HIL_REPORTS_DIR;
    else process.env.HIL_REPORTS_DIR = env.dir;
    if (env.run === undefined) delete process.env.HIL_RUN_ID;
    else process.env.HIL_RUN_ID = env.run;
    rmSync(dir, { recursive: true, force: true });
  }
});
