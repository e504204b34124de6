import { expect, test } from '@playwright/test';
import { percentile, summarize } from './stats.ts';

test('percentiles interpolate between order statistics; p50 is the median', () => {
  const sorted = [1, 2, 3, 4];
  expect(percentile(sorted, 50)).toBe(2.5);
  expect(percentile(sorted, 0)).toBe(1);
  expect(percentile(sorted, 100)).toBe(4);
  expect(percentile(sorted, 25)).toBeCloseTo(1.75);
  expect(percentile([7], 99)).toBe(7);
});

test('a summary does not depend on the order of the samples', () => {
  const s = summarize([10, 1, 5, 3, 100]);
  expect(s).toMatchObject({ runs: 5, median: 5, p25: 3, p75: 10, min: 1, max: 100 });
  expect(s.p99).toBeCloseTo(96.4);
  expect(summarize([100, 10, 5, 3, 1])).toEqual(s);
});

test('no samples or a non-finite sample is an error, not a figure', () => {
  expect(() => summarize([])).toThrow('at least one sample');
  expect(() => summarize([1, NaN])).toThrow('not a finite number');
  expect(() => percentile([1], 101)).toThrow('outside 0..100');
});
