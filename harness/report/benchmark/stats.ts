/**
 * The statistics every benchmark figure is reported with: the median as the figure, the
 * quartiles and extremes as its spread, and p99 for latencies. Percentiles interpolate
 * linearly between order statistics (type 7, R's and NumPy's default), so p50 is the median.
 */
export interface Summary {
  runs: number;
  median: number;
  p25: number;
  p75: number;
  p99: number;
  min: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const at = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('a figure needs at least one sample');
  if (samples.some((s) => !Number.isFinite(s))) throw new RangeError(`a sample is not a finite number: ${samples.join(', ')}`);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: percentile(sorted, 50),
    p25: percentile(sorted, 25),
    p75: percentile(sorted, 75),
    p99: percentile(sorted, 99),
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
}
