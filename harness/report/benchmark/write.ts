import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { BENCH_GROUPS, BENCH_SCHEMA, BenchReportSchema, FigureSchema, type BenchReport, type Figure, type Machine } from './figures.ts';
import { renderBenchTable } from './table.ts';
import { runDir, runId } from '../run/runDir.ts';

export function thisMachine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() || 'unknown CPU',
    memoryGiB: totalmem() / 2 ** 30,
    os: `${type()} ${release()}`,
    node: process.versions.node,
  };
}

export interface BenchPaths {
  /** Where this run's figures are kept, one file each: reports/<run-id>/bench/. */
  fragments: string;
  /** reports/bench.json and reports/bench.md: the latest run's report. */
  json: string;
  markdown: string;
}

export function benchPaths(root = process.env.HIL_REPORTS_DIR ?? 'reports'): BenchPaths {
  return { fragments: join(runDir(root), 'bench'), json: join(root, 'bench.json'), markdown: join(root, 'bench.md') };
}

/** A figure that could not be measured is kept as `<id>.gap.txt`, holding the reason. */
const GAP = '.gap.txt';

/** Written beside, then renamed over: a reader never sees half a report. */
function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** The report of every figure this run has recorded so far. */
export function collectReport(paths: BenchPaths, now = new Date()): BenchReport {
  const files = readdirSync(paths.fragments).sort();
  const figures: Figure[] = files.filter((f) => f.endsWith('.json')).map((f) => FigureSchema.parse(JSON.parse(readFileSync(join(paths.fragments, f), 'utf8'))));
  const gaps = files.filter((f) => f.endsWith(GAP)).map((f) => `${f.slice(0, -GAP.length)}: ${readFileSync(join(paths.fragments, f), 'utf8')}`);
  const groups = new Set(figures.map((f) => f.group));
  return BenchReportSchema.parse({
    schema: BENCH_SCHEMA,
    runId: runId(),
    generatedAt: now.toISOString(),
    machine: thisMachine(),
    figures,
    missing: [...BENCH_GROUPS.filter((g) => !groups.has(g)), ...gaps],
  });
}

/**
 * Each benchmark records its figures as it finishes; the run's report is rebuilt from all of
 * them every time, so bench.json and bench.md are complete after the last benchmark and still
 * useful (with the missing groups named) if one of them broke.
 */
export function recordFigures(figures: readonly Figure[], paths = benchPaths()): BenchReport {
  mkdirSync(paths.fragments, { recursive: true });
  for (const f of figures) writeFileSync(join(paths.fragments, `${f.id}.json`), JSON.stringify(f, null, 2));
  return publish(paths);
}

/** Records that a figure could not be measured in this run, and why: the report names it. */
export function recordGap(id: string, why: string, paths = benchPaths()): BenchReport {
  mkdirSync(paths.fragments, { recursive: true });
  writeFileSync(join(paths.fragments, `${id}${GAP}`), why.replace(/\s*\n\s*/g, ' '));
  return publish(paths);
}

function publish(paths: BenchPaths): BenchReport {
  const report = collectReport(paths);
  writeAtomically(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(paths.markdown, renderBenchTable(report));
  return report;
}
