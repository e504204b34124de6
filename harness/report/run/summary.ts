import { z } from 'zod';

/**
 * reports/<run-id>/summary.json: what one suite run saw, in a form that `hil compare` can put
 * side by side with other runs. Versioned: a reader refuses a schema it does not know.
 */
export const SUMMARY_SCHEMA = 'proplet-hil/summary@1';

/** `unsupported`: not run because the firmware's profile lacks a capability the test needs (harness/profiles/). */
export const VerdictSchema = z.enum(['passed', 'failed', 'timedOut', 'skipped', 'interrupted', 'unsupported']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** Which direction of change is a regression. */
export const BetterSchema = z.enum(['lower', 'higher']);

export const MetricSchema = z.object({
  unit: z.enum(['ms', 'bytes', 'count', 'ratio']),
  better: BetterSchema,
  samples: z.array(z.number()),
});
export type Metric = z.infer<typeof MetricSchema>;

export const SummarySchema = z.object({
  schema: z.literal(SUMMARY_SCHEMA),
  runId: z.string(),
  project: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  firmware: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  boards: z.array(
    z.object({
      name: z.string(),
      transport: z.string(),
      mac: z.string().optional(),
      usbSerial: z.string().optional(),
    }),
  ),
  tests: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      file: z.string(),
      verdict: VerdictSchema,
      /** Playwright tags, e.g. @upstream-gap. */
      tags: z.array(z.string()).default([]),
      durationMs: z.number(),
      error: z.string().optional(),
      /** A test skipped because its board failed its bring-up earlier in the run: that board's reason. */
      notRun: z.string().optional(),
      /** With verdict `unsupported`: "not supported by <profile>: <capabilities>". */
      unsupported: z.string().optional(),
    }),
  ),
  metrics: z.record(z.string(), MetricSchema),
  resetCauses: z.array(z.object({ board: z.string(), cause: z.string(), test: z.string() })),
  fatalErrors: z.array(z.object({ board: z.string(), reason: z.string(), test: z.string() })),
});
export type Summary = z.infer<typeof SummarySchema>;

/** The annotation of a test not run because its board failed its bring-up (its reason as description). */
export const NOT_RUN = 'not-run';

/** One observation a test makes, attached to its result and gathered by the summary reporter. */
export const ObservationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('metric'), name: z.string(), value: z.number(), unit: MetricSchema.shape.unit, better: BetterSchema }),
  z.object({ type: z.literal('resetCause'), board: z.string(), cause: z.string() }),
  z.object({ type: z.literal('fatalError'), board: z.string(), reason: z.string() }),
]);
export type Observation = z.infer<typeof ObservationSchema>;

/** The attachment name under which a test's observations travel to the reporter. */
export const OBSERVATIONS_ATTACHMENT = 'hil-observations.json';

/**
 * What each board's worker writes next to the summary (`bench-board-<name>.json`): what was
 * flashed and which board ran it.
 */
export const BenchInfoSchema = SummarySchema.pick({ firmware: true, boards: true });
export type BenchInfo = z.infer<typeof BenchInfoSchema>;
export const BENCH_INFO_PATTERN = /^bench-board-.+\.json$/;
