import type { Comparison, MetricRow, VerdictRow } from './compare.ts';

const fmt = (v: number | undefined, unit = '') =>
  v === undefined ? '—' : `${Number.isInteger(v) ? v : v.toFixed(1)}${unit ? ` ${unit}` : ''}`;
const pct = (v: number | undefined) => (v === undefined ? '—' : v === Infinity ? '+∞ %' : `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`);
const verdictRows = (c: Comparison) => c.verdicts.filter((v) => v.change !== 'same');
const headline = (c: Comparison) =>
  c.regressed
    ? `REGRESSION: ${c.runs.at(-1)!.firmware} against ${c.runs.at(-2)!.firmware}`
    : `no regression: ${c.runs.at(-1)!.firmware} against ${c.runs.at(-2)!.firmware}`;

function metricCells(m: MetricRow): string[] {
  return [m.name, fmt(m.baseline, m.unit), fmt(m.candidate, m.unit), pct(m.deltaPct), m.regressed ? 'REGRESSED' : 'ok'];
}

function verdictCells(v: VerdictRow): string[] {
  return [v.id, v.from, v.to, v.lost ? `regression: capability lost (${v.lost})` : v.change];
}

function findings(c: Comparison): string[] {
  return [
    ...c.newResetCauses.map((r) => `new reset cause: ${r}`),
    ...c.newFatalErrors.map((f) => `new fatal error: ${f}`),
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The terminal form: aligned plain text. */
export function toText(c: Comparison): string {
  const out = [headline(c), ''];
  const changed = verdictRows(c);
  out.push(changed.length ? table([['test', 'baseline', 'candidate', 'change'], ...changed.map(verdictCells)]) : 'tests: no verdict changed');
  out.push('', table([['metric', 'baseline', 'candidate', 'change', 'verdict'], ...c.metrics.map(metricCells)]));
  const f = findings(c);
  if (f.length) out.push('', ...f);
  return out.join('\n');
}

const mdRow = (cells: string[]) => `| ${cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
const mdTable = (head: string[], rows: string[][]) =>
  [mdRow(head), mdRow(head.map(() => '---')), ...rows.map(mdRow)].join('\n');

/** The Markdown form, for CI job summaries and pull-request comments. */
export function toMarkdown(c: Comparison): string {
  const changed = verdictRows(c);
  const out = [`## ${c.regressed ? '❌' : '✅'} ${headline(c)}`, ''];
  out.push(changed.length ? mdTable(['test', 'baseline', 'candidate', 'change'], changed.map(verdictCells)) : 'No test changed its verdict.');
  out.push('', mdTable(['metric', 'baseline', 'candidate', 'change', 'verdict'], c.metrics.map(metricCells)));
  const f = findings(c);
  if (f.length) out.push('', ...f.map((x) => `- ${x}`));
  out.push('', `Runs: ${c.runs.map((r) => `\`${r.runId}\` (${r.firmware})`).join(' → ')}`);
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** One small line chart of a metric across the runs; the candidate point is red when it regressed. */
export function metricChart(m: MetricRow, labels: string[]): string {
  const w = 260;
  const h = 90;
  const pad = 18;
  const values = m.series.filter((v): v is number => v !== undefined);
  const lo = Math.min(...values, 0);
  const hi = Math.max(...values, lo + 1);
  const x = (i: number) => pad + (m.series.length === 1 ? 0 : (i * (w - 2 * pad)) / (m.series.length - 1));
  const y = (v: number) => h - pad - ((v - lo) * (h - 2 * pad)) / (hi - lo);
  const points = m.series.flatMap((v, i) => (v === undefined ? [] : [[x(i), y(v), v, i] as const]));
  const last = m.series.length - 1;
  return [
    `<svg class="chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(m.name)}">`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#bbb"/>`,
    `<polyline fill="none" stroke="#3366cc" stroke-width="2" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
    ...points.map(
      ([px, py, v, i]) =>
        `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${i === last && m.regressed ? '#d62728' : '#3366cc'}"><title>${esc(labels[i] ?? '')}: ${fmt(v, m.unit)}</title></circle>`,
    ),
    `<text x="${pad}" y="12" font-size="10" fill="#555">${fmt(hi, m.unit)}</text>`,
    `<text x="${pad}" y="${h - 4}" font-size="10" fill="#555">${fmt(lo, m.unit)}</text>`,
    '</svg>',
  ].join('');
}

/** The HTML form: one self-contained page (inline CSS and SVG, nothing fetched). */
export function toHtml(c: Comparison): string {
  const labels = c.runs.map((r) => `${r.runId} (${r.firmware})`);
  const changed = verdictRows(c);
  const verdictTable = changed.length
    ? `<table><tr><th>test</th><th>baseline</th><th>candidate</th><th>change</th></tr>${changed
        .map((v) => `<tr class="${v.change}">${verdictCells(v).map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`)
        .join('')}</table>`
    : '<p>No test changed its verdict.</p>';
  const cards = c.metrics
    .map(
      (m) =>
        `<div class="card${m.regressed ? ' regressed' : ''}"><h3>${esc(m.name)}</h3>${metricChart(m, labels)}<p>${esc(
          `${fmt(m.baseline, m.unit)} → ${fmt(m.candidate, m.unit)} (${pct(m.deltaPct)})`,
        )}${m.regressed ? ' <strong>regressed</strong>' : ''}</p></div>`,
    )
    .join('');
  const f = findings(c);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>proplet-hil compare</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
h1.bad{color:#b00020}h1.good{color:#1b7f3b}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
tr.regression td{background:#fde2e2}tr.fix td{background:#e2f5e6}
.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem}
.card.regressed{border-color:#d62728;background:#fff5f5}.card h3{font-size:.95rem;margin:.2rem 0}
</style></head><body>
<h1 class="${c.regressed ? 'bad' : 'good'}">${esc(headline(c))}</h1>
<p>Runs: ${labels.map(esc).join(' → ')}</p>
<h2>Tests</h2>${verdictTable}
<h2>Metrics</h2><div class="cards">${cards}</div>
${f.length ? `<h2>Findings</h2><ul>${f.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
