import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { summarize } from '../../harness/report/benchmark/stats.ts';
import { figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';
import { runDir } from '../../harness/report/run/runDir.ts';
import { nestedRunConfig } from './rig.ts';

/**
 * What the harness's Playwright fixtures cost around a test that does nothing: a nested
 * Playwright run on one virtual board with empty tests, first on plain @playwright/test, then
 * on the suite's fixtures (whose auto `witness` pulls in board, broker, manager and the
 * test-scoped capture). The first fixture test also pays the worker setup: open, flash,
 * provision, connect.
 */
const EMPTY_TESTS = 30;
const NESTED_TIMEOUT_MS = 240_000;
const RETRIES = 2;
const COMMAND = 'npx playwright test --project=bench specs/bench/overhead.bench.ts';

interface JsonResult {
  startTime: string;
  duration: number;
  status: string;
  error?: { message: string };
  stderr: { text?: string }[];
}
interface JsonSpec {
  title: string;
  tests: { results: JsonResult[] }[];
}
interface JsonSuite {
  specs?: JsonSpec[];
  suites?: JsonSuite[];
}

function specs(suite: JsonSuite): JsonSpec[] {
  return [...(suite.specs ?? []), ...(suite.suites ?? []).flatMap(specs)];
}

/** The durations the board fixture's steps logged (pino JSON lines on the worker's stderr). */
function steps(result: JsonResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const chunk of result.stderr) {
    for (const line of (chunk.text ?? '').split('\n')) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as { step?: string; ms?: number; board?: string; msg?: string };
      if (record.step && record.ms !== undefined && record.msg === `${record.step} done`) out[record.step] = Math.max(out[record.step] ?? 0, record.ms);
    }
  }
  return out;
}

test('harness overhead per test: fixtures around an empty test, and the worker setup', async () => {
  test.setTimeout((RETRIES + 1) * NESTED_TIMEOUT_MS + 30_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-overhead-'));
  // Inside the repository, so that the nested run resolves @playwright/test and the harness.
  const work = resolve(runDir(), 'bench-overhead');
  mkdirSync(work, { recursive: true });
  try {
    const fixtures = relative(work, resolve('harness/playwright/fixtures.ts'));
    writeFileSync(
      join(work, 'empty.spec.ts'),
      `import { test as bare } from '@playwright/test';
import { test as hil } from '${fixtures}';
for (let i = 0; i < ${EMPTY_TESTS}; i++) bare('bare ' + i, () => {});
for (let i = 0; i < ${EMPTY_TESTS}; i++) hil('hil ' + i, () => {});
`,
    );
    writeFileSync(
      join(work, 'playwright.config.ts'),
      `import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  testMatch: 'empty.spec.ts',
  workers: 1,
  timeout: 120_000,
  outputDir: 'test-results',
  reporter: [['json', { outputFile: 'results.json' }]],
  projects: [{ name: 'overhead', use: { benchKind: 'virtual', boardName: 'v0' } }],
});
`,
    );
    const cli = createRequire(import.meta.url).resolve('@playwright/test/cli');
    /** One nested run in a fresh state directory; its tests' results, or the first failure. */
    const nestedRun = async (attempt: number) => {
      const own = join(dir, `attempt-${attempt}`);
      mkdirSync(own);
      const { env } = await nestedRunConfig(own, 'overhead');
      let output = '';
      const started = performance.now();
      await new Promise<void>((done, fail) => {
        const child = spawn(process.execPath, [cli, 'test', '-c', join(work, 'playwright.config.ts')], { env: { ...env, HIL_VIRTUAL_BOARDS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`the nested run took over ${NESTED_TIMEOUT_MS} ms: ${output.slice(-2000)}`));
        }, NESTED_TIMEOUT_MS);
        child.stdout!.on('data', (d: Buffer) => (output += d));
        child.stderr!.on('data', (d: Buffer) => (output += d));
        child.on('exit', () => {
          clearTimeout(timer);
          done();
        });
      });
      const report = JSON.parse(readFileSync(join(work, 'results.json'), 'utf8')) as { suites: JsonSuite[] };
      const results = report.suites.flatMap(specs).map((s) => ({ title: s.title, result: s.tests[0]!.results[0]! }));
      const failed = results.find((r) => r.result.status !== 'passed');
      return { results, wallMs: performance.now() - started, failure: failed && `${failed.title}: ${failed.result.error?.message.split('\n')[0]}` };
    };
    // A board that fails its setup fails every fixture test: that run measures nothing, so it is run again.
    const failures: string[] = [];
    let run = await nestedRun(0);
    for (let attempt = 1; run.failure && attempt <= RETRIES; attempt++) {
      failures.push(run.failure);
      run = await nestedRun(attempt);
    }
    expect(run.failure, `every nested run had a failed test: ${[...failures, run.failure].join(' | ')}`).toBeUndefined();
    const { results, wallMs } = run;
    const bare = results.filter((r) => r.title.startsWith('bare ')).map((r) => r.result);
    const hil = results.filter((r) => r.title.startsWith('hil ')).map((r) => r.result);
    expect([bare.length, hil.length]).toEqual([EMPTY_TESTS, EMPTY_TESTS]);
    // Start to start of consecutive tests: everything the runner spends per test (fixtures set
    // up and torn down, attachments, reporting), which Playwright's whole-millisecond
    // durations would round away.
    const intervals = (list: JsonResult[]) => list.slice(1).map((r, i) => Date.parse(r.startTime) - Date.parse(list[i]!.startTime));
    const [workerAndFirst, ...perTest] = intervals(hil);
    const bareMedian = summarize(intervals(bare)).median;
    const setup = steps(hil[0]!);
    const stepText = Object.entries(setup)
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(2)} s`)
      .join(', ');
    recordFigures([
      figure({
        id: 'overhead.per-test',
        group: 'Harness overhead',
        name: 'Harness fixtures around an empty test',
        unit: 'ms',
        better: 'lower',
        samples: perTest,
        reference: { label: 'bare Playwright empty test', value: Math.max(bareMedian, 1) },
        method: {
          command: COMMAND,
          how: `Nested Playwright run (1 worker, 1 virtual board): ${EMPTY_TESTS} empty tests on plain @playwright/test, then ${EMPTY_TESTS} on the suite's fixtures; each sample is the time from one fixture test's start to the next one's (test-scoped fixtures set up and torn down: the witness attaching console and MQTT trace, observations; plus the runner's own per-test work), the first interval left out (worker setup). Reference: the same interval for bare empty tests (floored at 1 ms, the timestamps' resolution). No aim set by the issue.`,
        },
      }),
      figure({
        id: 'overhead.worker-setup',
        group: 'Harness overhead',
        name: 'Worker setup (board, broker, manager)',
        unit: 'ms',
        better: 'lower',
        samples: [workerAndFirst! - summarize(perTest).median],
        method: {
          command: COMMAND,
          how: `From the first fixture test's start to the second's, less the median per-test interval, in the same nested run: starting the broker and manager, starting the virtual board, flash (a fresh state directory, so the image is written, UART unpaced), provision and connect. Steps as the fixture logged them: ${stepText || 'none logged'}. One sample per bench run; nested run wall time ${(wallMs / 1000).toFixed(1)} s.${failures.length ? ` Nested runs discarded because a test failed: ${failures.join('; ')}.` : ''}`,
        },
      }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
