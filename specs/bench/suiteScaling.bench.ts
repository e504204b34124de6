import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { summarize } from '../../harness/report/benchmark/stats.ts';
import { loadSummary } from '../../harness/report/run/loadSummary.ts';
import { figure, type Figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures, recordGap } from '../../harness/report/benchmark/write.ts';
import { nestedRunConfig } from './rig.ts';

/**
 * Suite scaling: the HIL suite as `hil test --virtual --boards N` runs it, where every board
 * runs the whole suite in its own worker. N boards finish N suites; the speed-up is the work
 * done per unit of wall time against one board: N × T(1) / T(N), ideally N.
 *
 * HIL_BENCH_SUITE_GREP narrows the suite (passed to Playwright as --grep) when it takes too
 * long; HIL_BENCH_SUITE_RUNS repeats each board count (default 1: the suite is long).
 */
const BOARD_COUNTS = [1, 2, 4];
const RUN_TIMEOUT_MS = 600_000;
const COMMAND = 'npx playwright test --project=bench specs/bench/suiteScaling.bench.ts';

interface SuiteRun {
  ms: number;
  passed: number;
  failed: number;
  /** The first failure's message, when a test failed. */
  firstError?: string;
}
/** A run with a failed test does not time the suite (a board that failed setup fails fast): it is run again, this often. */
const RETRIES = 2;

async function runSuite(boards: number, dir: string, grep: string | undefined): Promise<SuiteRun> {
  const runId = `suite-${boards}-${Date.now()}`;
  const own = join(dir, runId);
  mkdirSync(own);
  const { configPath, env } = await nestedRunConfig(own, runId);
  // Its own reporters: the summary (read back below) and dots; not the repository's HTML/JUnit files.
  const args = ['harness/cli/hil.mjs', '--config', configPath, 'test', '--virtual', '--boards', String(boards), '--', '--reporter=dot,./harness/report/run/summaryReporter.ts'];
  if (grep) args.push('--grep', grep);
  let output = '';
  const started = performance.now();
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(new Error(`hil test --boards ${boards} ran over ${RUN_TIMEOUT_MS} ms: ${output.slice(-2000)}`));
    }, RUN_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.on('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
  const ms = performance.now() - started;
  const summary = loadSummary(join(env.HIL_REPORTS_DIR!, runId));
  const count = (verdict: string) => summary.tests.filter((t) => t.verdict === verdict).length;
  const firstError = summary.tests.find((t) => t.error)?.error?.split('\n')[0];
  return { ms, passed: count('passed'), failed: count('failed') + count('timedOut') + count('interrupted'), ...(firstError ? { firstError } : {}) };
}

test('suite scaling: wall time on 1, 2 and 4 virtual boards, speed-up against 1 board', async () => {
  const runs = Number(process.env.HIL_BENCH_SUITE_RUNS ?? 1);
  const grep = process.env.HIL_BENCH_SUITE_GREP;
  test.setTimeout(BOARD_COUNTS.length * runs * RUN_TIMEOUT_MS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-suite-'));
  try {
    const results = new Map<number, SuiteRun[]>(BOARD_COUNTS.map((n) => [n, []]));
    const discarded = new Map<number, SuiteRun[]>(BOARD_COUNTS.map((n) => [n, []]));
    // Round-robin over the board counts, so that a busy spell of the machine hits all alike.
    for (let run = 0; run < runs; run++) {
      for (const n of BOARD_COUNTS) {
        for (let attempt = 0; attempt <= RETRIES; attempt++) {
          const r = await runSuite(n, dir, grep);
          if (r.failed === 0 && r.passed > 0) {
            results.get(n)!.push(r);
            break;
          }
          discarded.get(n)!.push(r);
        }
      }
    }
    const broken = BOARD_COUNTS.filter((n) => results.get(n)!.length === 0);
    const t1 = results.get(1)!.length ? summarize(results.get(1)!.map((r) => r.ms)).median : undefined;
    const what = grep ? `the specs matching --grep "${grep}"` : 'the whole suite (specs/*.spec.ts)';
    const outcome = (list: SuiteRun[]) => list.map((r) => `${r.passed} passed in ${(r.ms / 1000).toFixed(1)} s`).join('; ');
    const dropped = (n: number) =>
      discarded.get(n)!.length
        ? ` Runs discarded because tests failed: ${discarded.get(n)!.map((r) => `${r.failed} failed (${r.firstError ?? 'no message'})`).join('; ')}.`
        : '';
    const figures: Figure[] = [];
    for (const n of BOARD_COUNTS) {
      const list = results.get(n)!;
      if (list.length === 0 || t1 === undefined) {
        recordGap(`suite.${n}-board${n > 1 ? 's' : ''}`, `no clean run of \`hil test --virtual --boards ${n}\` in ${RETRIES + 1} attempts.${dropped(n)}`);
        continue;
      }
      figures.push(
        figure({
          id: `suite.${n}-board${n > 1 ? 's' : ''}`,
          group: 'Suite scaling',
          name: `Suite wall time, ${n} board${n > 1 ? 's' : ''}`,
          unit: 'ms',
          better: 'lower',
          samples: list.map((r) => r.ms),
          ...(n > 1 ? { reference: { label: `${n} × one board's suite`, value: n * t1 } } : {}),
          method: {
            command: COMMAND,
            how: `\`hil test --virtual --boards ${n}\` on ${what}, every board running all of it in its own worker, fresh board state, timed from spawn to exit (Playwright start, boards, flash, provision included); ${list.length} clean run(s): ${outcome(list)}.${dropped(n)}`,
          },
        }),
      );
      if (n > 1) {
        figures.push(
          figure({
            id: `suite.${n}-boards-speedup`,
            group: 'Suite scaling',
            name: `Speed-up on ${n} boards`,
            unit: 'x',
            better: 'higher',
            samples: list.map((r) => (n * t1) / r.ms),
            reference: { label: 'ideal (N)', value: n },
            aims: [{ text: '≥ 0.8 × N', op: '>=', factor: 0.8 }],
            method: {
              command: COMMAND,
              how: `${n} × T(1) / T(${n}) with T the wall times above (T(1) = median of its runs): ${n} suites done in the time of one run.`,
            },
          }),
        );
      }
    }
    recordFigures(figures);
    expect(broken, `no clean suite run on these board counts: ${broken.map((n) => `${n}:${dropped(n)}`).join(' ')}`).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
