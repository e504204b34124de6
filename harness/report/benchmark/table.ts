import { BENCH_GROUPS, margin, worstFigure, type BenchReport, type BenchUnit, type Figure } from './figures.ts';

/** Three significant digits, without exponent notation: enough for a bench figure. */
function sig(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(n))));
  return n.toFixed(Math.min(digits, 3));
}

/** A value in its unit, as a person reads it: KiB/s for link rates, seconds past a second. */
export function formatValue(value: number, unit: BenchUnit): string {
  switch (unit) {
    case 'B/s':
      return `${sig(value / 1024)} KiB/s`;
    case 'MB/s':
      return `${sig(value)} MB/s`;
    case 'ms':
      return Math.abs(value) >= 1000 ? `${sig(value / 1000)} s` : `${sig(value)} ms`;
    case 'x':
      return `${sig(value)}×`;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function met(f: Figure): string {
  if (f.aims.length === 0) return '—';
  const missed = f.aims.filter((a) => !a.met);
  return missed.length === 0 ? 'yes' : `no (${missed.map((a) => a.text).join('; ')})`;
}

function row(f: Figure): string {
  const s = f.summary;
  const measured = `${formatValue(f.value, f.unit)}${f.statistic === 'p99' ? ' (p99)' : ''}`;
  const spread = `${formatValue(s.min, f.unit)} – ${formatValue(s.max, f.unit)}, n=${s.runs}`;
  const reference = f.reference ? `${formatValue(f.reference.value, f.unit)} ${f.reference.label}` : '—';
  const ratio = f.ratio === undefined ? '—' : `${sig(f.ratio)}×`;
  const aims = f.aims.length ? f.aims.map((a) => a.text).join('; ') : '—';
  return `| ${[f.name, measured, spread, reference, ratio, aims, met(f)].map(cell).join(' | ')} |`;
}

function byGroup(figures: readonly Figure[]): Figure[] {
  const order = (g: string) => {
    const i = (BENCH_GROUPS as readonly string[]).indexOf(g);
    return i < 0 ? BENCH_GROUPS.length : i;
  };
  // Stable: within a group, figures keep their id order.
  return [...figures].sort((a, b) => order(a.group) - order(b.group));
}

/** The Markdown that reports/bench.md holds and the README shows: the table, then how each figure was measured. */
export function renderBenchTable(report: BenchReport): string {
  const m = report.machine;
  const figures = byGroup(report.figures);
  const lines = [
    `Measured ${report.generatedAt.slice(0, 16).replace('T', ' ')} UTC (run ${report.runId}) on ${m.cpus} × ${m.cpuModel}, ${sig(m.memoryGiB)} GiB, ${m.os}, Node ${m.node}.`,
    '',
    '| Figure | Measured | Spread (min – max, runs) | Reference (same run) | Ratio | Aim | Aim met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...figures.map(row),
    '',
  ];
  const worst = worstFigure(figures);
  if (worst) {
    lines.push(`Furthest from its aim: **${worst.name}** (margin ${sig(margin(worst)!)}: ${worst.aims.map((a) => `${a.text} → threshold ${formatValue(a.threshold, worst.unit)}`).join('; ')}).`, '');
  }
  if (report.missing.length > 0) lines.push('Not measured in this run:', '', ...report.missing.map((m) => `- ${m}`), '');
  lines.push('How each figure was measured:', '');
  for (const f of figures) lines.push(`- **${f.name}** (\`${f.id}\`): ${f.method.how} Command: \`${f.method.command}\`.`);
  return `${lines.join('\n')}\n`;
}
