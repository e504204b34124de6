import { expect, test } from '@playwright/test';
import { BENCH_SCHEMA, BenchReportSchema, figure, margin, worstFigure, type BenchReport } from './figures.ts';
import { formatValue, renderBenchTable } from './table.ts';

const method = { command: 'npm run bench', how: 'One run flashes 1 MiB.' };

const flash = figure({
  id: 'flash.incompressible',
  group: 'Flash',
  name: 'Flash 1 MiB, incompressible',
  unit: 'B/s',
  better: 'higher',
  samples: [80_000, 84_000, 82_000],
  reference: { label: 'link limit (baud/10)', value: 92_160 },
  aims: [{ text: '≥ 0.9 × link limit', op: '>=', factor: 0.9 }],
  method,
});

const rtt = figure({
  id: 'rtt.aedes.p99',
  group: 'Task round trip',
  name: 'Round trip via Aedes, p99',
  unit: 'ms',
  better: 'lower',
  statistic: 'p99',
  samples: [2, 2, 3, 2, 9],
  reference: { label: 'Mosquitto p99', value: 4 },
  aims: [
    { text: '≤ 5 ms', op: '<=', factor: 0, offset: 5 },
    { text: '≤ 1.5 × Mosquitto', op: '<=', factor: 1.5 },
  ],
  method,
});

const parser = figure({
  id: 'console.parser',
  group: 'Console parser',
  name: 'Console parser throughput',
  unit: 'MB/s',
  better: 'higher',
  samples: [150, 160],
  reference: { label: 'USB-Serial/JTAG line rate', value: 1 },
  aims: [{ text: '≥ 100 × line rate', op: '>=', factor: 100 }],
  method,
});

function report(figures = [rtt, parser, flash]): BenchReport {
  return BenchReportSchema.parse({
    schema: BENCH_SCHEMA,
    runId: 'r1',
    generatedAt: '2026-11-25T10:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 4, os: 'Linux 6', node: '20.0.0' },
    figures,
    missing: ['Suite scaling'],
  });
}

test('a figure takes its statistic, its ratio to the reference and each aim from the samples', () => {
  expect(flash.value).toBe(82_000);
  expect(flash.ratio).toBeCloseTo(82_000 / 92_160);
  expect(flash.aims).toEqual([{ text: '≥ 0.9 × link limit', op: '>=', threshold: 0.9 * 92_160, met: false }]);
  expect(rtt.value).toBeCloseTo(8.76);
  expect(rtt.aims.map((a) => [a.threshold, a.met])).toEqual([
    [5, false],
    [6, false],
  ]);
  expect(parser.aims[0]!.met).toBe(true);
});

test('a relative aim without a reference is a mistake in the benchmark', () => {
  expect(() => figure({ id: 'x', group: 'Flash', name: 'x', unit: 'ms', better: 'lower', samples: [1], aims: [{ text: '≤ 2 × ref', op: '<=', factor: 2 }], method })).toThrow(
    'has no reference',
  );
});

test('the worst figure is the one with the least margin to its aims', () => {
  expect(margin(flash)).toBeCloseTo(82_000 / 82_944);
  expect(margin(rtt)).toBeCloseTo(5 / 8.76);
  expect(margin(parser)).toBeCloseTo(1.55);
  expect(worstFigure([flash, parser, rtt])?.id).toBe('rtt.aedes.p99');
  expect(worstFigure([])).toBeUndefined();
});

test('values read in the units people use for them', () => {
  expect(formatValue(92_160, 'B/s')).toBe('90.0 KiB/s');
  expect(formatValue(1500, 'ms')).toBe('1.50 s');
  expect(formatValue(2.345, 'ms')).toBe('2.35 ms');
  expect(formatValue(3.5, 'x')).toBe('3.50×');
  expect(formatValue(151.2, 'MB/s')).toBe('151 MB/s');
});

test('the table lists every figure in group order with reference, ratio and verdict, then how each was measured', () => {
  const md = renderBenchTable(report());
  const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Figure') && !l.startsWith('| ---'));
  expect(rows).toEqual([
    '| Flash 1 MiB, incompressible | 80.1 KiB/s | 78.1 KiB/s – 82.0 KiB/s, n=3 | 90.0 KiB/s link limit (baud/10) | 0.890× | ≥ 0.9 × link limit | no (≥ 0.9 × link limit) |',
    '| Console parser throughput | 155 MB/s | 150 MB/s – 160 MB/s, n=2 | 1.00 MB/s USB-Serial/JTAG line rate | 155× | ≥ 100 × line rate | yes |',
    '| Round trip via Aedes, p99 | 8.76 ms (p99) | 2.00 ms – 9.00 ms, n=5 | 4.00 ms Mosquitto p99 | 2.19× | ≤ 5 ms; ≤ 1.5 × Mosquitto | no (≤ 5 ms; ≤ 1.5 × Mosquitto) |',
  ]);
  expect(md).toContain('Measured 2026-11-25 10:00 UTC (run r1) on 2 × Test CPU, 4.00 GiB, Linux 6, Node 20.0.0.');
  expect(md).toContain('Furthest from its aim: **Round trip via Aedes, p99** (margin 0.571');
  expect(md).toContain('Not measured in this run:\n\n- Suite scaling\n');
  expect(md).toContain('- **Console parser throughput** (`console.parser`): One run flashes 1 MiB. Command: `npm run bench`.');
});

test('a pipe in a name cannot break the table', () => {
  const odd = { ...parser, name: 'a | b' };
  expect(renderBenchTable(report([odd]))).toContain('| a \\| b |');
});
