import { z } from 'zod';
import { summarize } from './stats.ts';

/**
 * reports/bench.json: the figures of one `npm run bench`, each next to the reference it is
 * judged against, measured in the same run (or a bound from a standard, said so in its label).
 * Versioned: a reader refuses a schema it does not know.
 */
export const BENCH_SCHEMA = 'proplet-hil/bench@1';

export const BenchUnitSchema = z.enum(['B/s', 'MB/s', 'ms', 'x']);
export type BenchUnit = z.infer<typeof BenchUnitSchema>;

export const SummarySchema = z.object({
  runs: z.number().int().positive(),
  median: z.number(),
  p25: z.number(),
  p75: z.number(),
  p99: z.number(),
  min: z.number(),
  max: z.number(),
});

export const AimSchema = z.object({
  /** As a person states it, e.g. "≥ 0.9 × link limit". */
  text: z.string(),
  op: z.enum(['>=', '<=']),
  /** reference × factor + offset, in the figure's unit. */
  threshold: z.number(),
  met: z.boolean(),
});
export type Aim = z.infer<typeof AimSchema>;

export const FigureSchema = z.object({
  /** Stable key, e.g. "flash.incompressible"; one fragment file per id. */
  id: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)*$/),
  /** The heading of the issue the figure answers: Flash, Suite scaling, … */
  group: z.string(),
  name: z.string(),
  unit: BenchUnitSchema,
  better: z.enum(['higher', 'lower']),
  /** Which statistic of the samples is the figure (p99 for tail latencies). */
  statistic: z.enum(['median', 'p99']),
  value: z.number(),
  samples: z.array(z.number()),
  summary: SummarySchema,
  reference: z.object({ label: z.string(), value: z.number().positive() }).optional(),
  /** value / reference. */
  ratio: z.number().optional(),
  aims: z.array(AimSchema),
  method: z.object({
    /** What to type to measure just this figure. */
    command: z.string(),
    /** What one run is, and what was timed. */
    how: z.string(),
  }),
});
export type Figure = z.infer<typeof FigureSchema>;

export const MachineSchema = z.object({
  cpus: z.number().int().positive(),
  cpuModel: z.string(),
  memoryGiB: z.number(),
  os: z.string(),
  node: z.string(),
});
export type Machine = z.infer<typeof MachineSchema>;

export const BenchReportSchema = z.object({
  schema: z.literal(BENCH_SCHEMA),
  runId: z.string(),
  generatedAt: z.string(),
  machine: MachineSchema,
  figures: z.array(FigureSchema),
  /** Figure groups the run did not measure, and figures it could not measure with the reason ("id: why"). */
  missing: z.array(z.string()),
});
export type BenchReport = z.infer<typeof BenchReportSchema>;

/** Every group `npm run bench` measures, in the order the table shows them. */
export const BENCH_GROUPS = ['Flash', 'Suite scaling', 'Console parser', 'Task round trip', 'LWT detection', 'Harness overhead'] as const;

export interface AimSpec {
  text: string;
  op: '>=' | '<=';
  /** Multiplies the reference (0 for an absolute aim). */
  factor: number;
  /** Added after the factor, in the figure's unit. */
  offset?: number;
}

export interface FigureSpec {
  id: string;
  group: (typeof BENCH_GROUPS)[number];
  name: string;
  unit: BenchUnit;
  better: 'higher' | 'lower';
  statistic?: 'median' | 'p99';
  samples: number[];
  reference?: { label: string; value: number };
  aims?: AimSpec[];
  method: Figure['method'];
}

/** A figure from its samples: the statistic, the ratio to its reference, and whether each aim is met. */
export function figure(spec: FigureSpec): Figure {
  const summary = summarize(spec.samples);
  const statistic = spec.statistic ?? 'median';
  const value = summary[statistic];
  const ref = spec.reference?.value ?? 0;
  const aims = (spec.aims ?? []).map((a) => {
    if (a.factor !== 0 && !spec.reference) throw new Error(`figure ${spec.id}: aim "${a.text}" is relative, but the figure has no reference`);
    const threshold = a.factor * ref + (a.offset ?? 0);
    return { text: a.text, op: a.op, threshold, met: a.op === '>=' ? value >= threshold : value <= threshold };
  });
  return FigureSchema.parse({
    id: spec.id,
    group: spec.group,
    name: spec.name,
    unit: spec.unit,
    better: spec.better,
    statistic,
    value,
    samples: spec.samples,
    summary,
    ...(spec.reference ? { reference: spec.reference, ratio: value / spec.reference.value } : {}),
    aims,
    method: spec.method,
  });
}

/**
 * How far a figure is from its aims, as one number: ≥ 1 means met with that much room, < 1
 * missed by that much (threshold/value for "≤" aims, value/threshold for "≥" aims). The
 * figure with the lowest margin is the one to profile.
 */
export function margin(f: Figure): number | undefined {
  const margins = f.aims.map((a) => {
    if (a.op === '>=') return a.threshold > 0 ? f.value / a.threshold : Infinity;
    return f.value > 0 ? a.threshold / f.value : Infinity;
  });
  return margins.length > 0 ? Math.min(...margins) : undefined;
}

/** The figure furthest from its aims (lowest margin), if any figure has an aim. */
export function worstFigure(figures: readonly Figure[]): Figure | undefined {
  let worst: { f: Figure; m: number } | undefined;
  for (const f of figures) {
    const m = margin(f);
    if (m !== undefined && (!worst || m < worst.m)) worst = { f, m };
  }
  return worst?.f;
}
