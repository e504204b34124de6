import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullConfig, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { UNSUPPORTED_ANNOTATION } from '../../profiles/unsupported.ts';
import { runDir, runId } from './runDir.ts';
import {
  BENCH_INFO_PATTERN,
  NOT_RUN,
  BenchInfoSchema,
  OBSERVATIONS_ATTACHMENT,
  ObservationSchema,
  SUMMARY_SCHEMA,
  type BenchInfo,
  type Summary,
} from './summary.ts';

/** The bench of a suite project (`virtual-v0` → virtual); unit tests and benchmarks have none. */
function benchOf(projectName: string | undefined): string | undefined {
  return /^(virtual|lab)-/.exec(projectName ?? '')?.[1];
}

/**
 * Writes reports/<run-id>/summary.json at the end of a suite run: verdicts from the runner,
 * metrics/reset causes/fatal errors from each test's observations attachment, firmware and
 * boards from the bench info that global setup left in the run folder.
 */
export default class SummaryReporter implements Reporter {
  private startedAt = new Date();
  private project = '';
  private readonly summary: Pick<Summary, 'tests' | 'metrics' | 'resetCauses' | 'fatalErrors'> = {
    tests: [],
    metrics: {},
    resetCauses: [],
    fatalErrors: [],
  };

  onBegin(_config: FullConfig, suite: Suite): void {
    this.startedAt = new Date();
    this.project = suite.suites.map((s) => benchOf(s.project()?.name)).find(Boolean) ?? '';
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (!benchOf(test.parent.project()?.name)) return;
    // The project names the board (virtual-v0): the same spec on two boards is two tests.
    const id = test.titlePath().filter(Boolean).join(' › ');
    // Retries report again: keep the last attempt, which is the verdict the runner gives.
    this.summary.tests = this.summary.tests.filter((t) => t.id !== id);
    const unsupported = result.status === 'skipped' ? [...result.annotations, ...test.annotations].find((a) => a.type === UNSUPPORTED_ANNOTATION) : undefined;
    this.summary.tests.push({
      id,
      title: test.title,
      file: test.location.file,
      verdict: unsupported ? 'unsupported' : result.status,
      ...(unsupported?.description ? { unsupported: unsupported.description } : {}),
      tags: test.tags,
      durationMs: result.duration,
      ...(result.error?.message ? { error: firstLine(result.error.message) } : {}),
      ...notRun(test),
    });
    for (const attachment of result.attachments) {
      if (attachment.name !== OBSERVATIONS_ATTACHMENT || !attachment.body) continue;
      for (const raw of JSON.parse(attachment.body.toString('utf8')) as unknown[]) {
        const o = ObservationSchema.parse(raw);
        if (o.type === 'metric') {
          const metric = (this.summary.metrics[o.name] ??= { unit: o.unit, better: o.better, samples: [] });
          metric.samples.push(o.value);
        } else if (o.type === 'resetCause') {
          this.summary.resetCauses.push({ board: o.board, cause: o.cause, test: id });
        } else {
          this.summary.fatalErrors.push({ board: o.board, reason: o.reason, test: id });
        }
      }
    }
  }

  onEnd(): void {
    if (!this.project) return;
    const dir = runDir();
    mkdirSync(dir, { recursive: true });
    const bench = readBenchInfo(dir);
    const summary: Summary = {
      schema: SUMMARY_SCHEMA,
      runId: runId(),
      project: this.project,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...bench,
      ...this.summary,
    };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }

  printsToStdio(): boolean {
    return false;
  }
}

/**
 * Each board's worker leaves its info in the run folder (a sharded run's are gathered there by
 * the nightly workflow); the boards of all are listed.
 */
function readBenchInfo(dir: string): BenchInfo {
  const files = readdirSync(dir).filter((f) => BENCH_INFO_PATTERN.test(f)).sort();
  const infos = files.map((f) => BenchInfoSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
  return {
    firmware: infos[0]?.firmware ?? { name: 'unknown', version: 'unknown', sha256: '' },
    boards: infos.flatMap((i) => i.boards),
  };
}

function notRun(test: TestCase): { notRun?: string } {
  const reason = test.annotations.find((a) => a.type === NOT_RUN)?.description;
  return reason ? { notRun: reason } : {};
}

function firstLine(text: string): string {
  // Playwright error messages carry ANSI colour codes; the summary is read in Markdown and HTML.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0] ?? '';
}
