import type { Metric, Summary, Verdict } from '../run/summary.ts';

export interface Threshold {
  /** A change for the worse larger than this many percent of the baseline… */
  maxIncreasePct?: number;
  /** …and larger than this many units is a regression. Both must be exceeded. */
  maxIncreaseAbs?: number;
}

/** Defaults for metrics with no threshold in lab.config.yaml: noise on a loaded host stays quiet. */
export const DEFAULT_THRESHOLD: Required<Threshold> = { maxIncreasePct: 20, maxIncreaseAbs: 50 };

export type VerdictChange = 'regression' | 'fix' | 'new' | 'removed' | 'same' | 'changed';

export interface VerdictRow {
  id: string;
  from: Verdict | 'absent';
  to: Verdict | 'absent';
  change: VerdictChange;
  /**
   * A test that passed and is now not supported by the candidate's firmware: the capability it
   * needs was lost between the releases, which is a regression a release engineer must see.
   * The candidate's "not supported by <profile>: <capabilities>".
   */
  lost?: string;
}

export interface MetricRow {
  name: string;
  unit: Metric['unit'];
  better: Metric['better'];
  /** The median of each run, oldest baseline first, candidate last; undefined where a run lacks it. */
  series: (number | undefined)[];
  baseline?: number;
  candidate?: number;
  deltaPct?: number;
  threshold: Required<Threshold>;
  regressed: boolean;
}

export interface Comparison {
  runs: { runId: string; firmware: string }[];
  verdicts: VerdictRow[];
  metrics: MetricRow[];
  newResetCauses: string[];
  newFatalErrors: string[];
  regressed: boolean;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const passing = (v: Verdict | 'absent') => v === 'passed';
const failing = (v: Verdict | 'absent') => v === 'failed' || v === 'timedOut' || v === 'interrupted';

function verdictChange(from: Verdict | 'absent', to: Verdict | 'absent'): VerdictChange {
  if (from === to) return 'same';
  if (from === 'absent') return failing(to) ? 'regression' : 'new';
  if (to === 'absent') return 'removed';
  if (passing(from) && !passing(to)) return 'regression';
  if (failing(from) && passing(to)) return 'fix';
  return 'changed';
}

function metricRow(name: string, runs: Summary[], thresholds: Record<string, Threshold>): MetricRow {
  const defined = runs.map((r) => r.metrics[name]).find(Boolean)!;
  const series = runs.map((r) => median(r.metrics[name]?.samples ?? []));
  const candidate = series.at(-1);
  const baseline = series.at(-2);
  const threshold = { ...DEFAULT_THRESHOLD, ...thresholds[name] };
  let deltaPct: number | undefined;
  let regressed = false;
  if (baseline !== undefined && candidate !== undefined) {
    const worse = defined.better === 'lower' ? candidate - baseline : baseline - candidate;
    deltaPct = baseline === 0 ? (candidate === 0 ? 0 : Infinity) : ((candidate - baseline) / Math.abs(baseline)) * 100;
    const worsePct = baseline === 0 ? (worse > 0 ? Infinity : 0) : (worse / Math.abs(baseline)) * 100;
    regressed = worse > threshold.maxIncreaseAbs && worsePct > threshold.maxIncreasePct;
  }
  return { name, unit: defined.unit, better: defined.better, series, baseline, candidate, deltaPct, threshold, regressed };
}

/**
 * Puts a candidate run beside one or more baselines (the last baseline is the reference;
 * older ones only draw the trend). A regression is a test that passed and no longer does (a
 * test now not supported by the candidate's firmware included: a capability lost), a
 * metric worse than its threshold, or a reset cause or fatal error the baseline never showed.
 */
export function compareRuns(baselines: Summary[], candidate: Summary, thresholds: Record<string, Threshold> = {}): Comparison {
  const runs = [...baselines, candidate];
  const reference = baselines.at(-1)!;
  const before = new Map(reference.tests.map((t) => [t.id, t.verdict] as const));
  const after = new Map(candidate.tests.map((t) => [t.id, t.verdict] as const));
  const unsupported = new Map(candidate.tests.map((t) => [t.id, t.unsupported] as const));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  const verdicts = ids.map((id): VerdictRow => {
    const from: VerdictRow['from'] = before.get(id) ?? 'absent';
    const to: VerdictRow['to'] = after.get(id) ?? 'absent';
    const change = verdictChange(from, to);
    const lost = change === 'regression' && to === 'unsupported' ? (unsupported.get(id) ?? 'not supported') : undefined;
    return { id, from, to, change, ...(lost ? { lost } : {}) };
  });
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const metrics = metricNames.map((name) => metricRow(name, runs, thresholds));
  const seenCauses = new Set(reference.resetCauses.map((r) => r.cause));
  const newResetCauses = [...new Set(candidate.resetCauses.map((r) => r.cause).filter((c) => !seenCauses.has(c)))];
  const seenFatal = new Set(reference.fatalErrors.map((f) => f.reason));
  const newFatalErrors = [...new Set(candidate.fatalErrors.map((f) => f.reason).filter((r) => !seenFatal.has(r)))];
  const regressed =
    verdicts.some((v) => v.change === 'regression') ||
    metrics.some((m) => m.regressed) ||
    newResetCauses.length > 0 ||
    newFatalErrors.length > 0;
  return {
    runs: runs.map((r) => ({ runId: r.runId, firmware: `${r.firmware.name} ${r.firmware.version}` })),
    verdicts,
    metrics,
    newResetCauses,
    newFatalErrors,
    regressed,
  };
}
