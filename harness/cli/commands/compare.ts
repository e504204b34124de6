import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.ts';
import { HilError } from '../../errors.ts';
import { compareRuns } from '../../report/compare/compare.ts';
import { loadSummary } from '../../report/run/loadSummary.ts';
import { toHtml, toMarkdown, toText } from '../../report/compare/renderComparison.ts';
import type { Command } from '../command.ts';

export const compare: Command = {
  name: 'compare',
  summary: 'compare a firmware run with earlier ones: verdicts, metrics, reset causes (exit 1 on regression)',
  usage: `usage: hil compare <baseline> [<baseline> …] <candidate> [--out DIR]

Each run is a reports/<run-id> folder or its summary.json. The last baseline is the
reference; earlier ones draw the trend in the charts. Prints a table, and writes
compare.md (for CI job summaries) and compare.html (self-contained, one chart per metric)
into --out (default: the candidate's run folder). Thresholds per metric come from
compare.thresholds in the config. Exit 1 on a regression, 0 otherwise.`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: { out: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length < 2) throw new HilError('compare needs a baseline and a candidate', 'hil compare --help', 2);
    const runs = positionals.map(loadSummary);
    const candidatePath = positionals.at(-1)!;
    const thresholds = existsSync(ctx.configPath) ? (await loadConfig(ctx.configPath)).compare?.thresholds ?? {} : {};
    const comparison = compareRuns(runs.slice(0, -1), runs.at(-1)!, thresholds);
    const out = values.out ?? (statSync(candidatePath).isDirectory() ? candidatePath : dirname(candidatePath));
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'compare.md'), toMarkdown(comparison));
    writeFileSync(join(out, 'compare.html'), toHtml(comparison));
    console.log(toText(comparison));
    console.log(`\nwritten: ${join(out, 'compare.md')}, ${join(out, 'compare.html')}`);
    return comparison.regressed ? 1 : 0;
  },
};
