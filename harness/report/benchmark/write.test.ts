import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { BenchReportSchema, figure } from './figures.ts';
import { benchPaths, recordFigures, recordGap } from './write.ts';

const method = { command: 'npm run bench', how: 'Timed.' };
const one = (id: string, group: 'Flash' | 'Console parser', samples: number[]) =>
  figure({ id, group, name: id, unit: 'ms', better: 'lower', samples, method });

test('figures recorded one benchmark at a time add up to one report, which names what is missing', () => {
  const root = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const paths = benchPaths(root);
    recordFigures([one('flash.a', 'Flash', [1, 2, 3])], paths);
    const report = recordFigures([one('console.b', 'Console parser', [4])], paths);
    expect(report.figures.map((f) => f.id)).toEqual(['console.b', 'flash.a']);
    expect(report.missing).toEqual(['Suite scaling', 'Task round trip', 'LWT detection', 'Harness overhead']);
    const onDisk = BenchReportSchema.parse(JSON.parse(readFileSync(paths.json, 'utf8')));
    expect(onDisk.figures).toEqual(report.figures);
    const md = readFileSync(paths.markdown, 'utf8');
    expect(md.indexOf('| flash.a |')).toBeLessThan(md.indexOf('| console.b |'));
    // A figure measured again in the same run replaces the earlier one.
    expect(recordFigures([one('flash.a', 'Flash', [9])], paths).figures.find((f) => f.id === 'flash.a')?.value).toBe(9);
    const gapped = recordGap('suite.2-boards', 'every run had a failed test:\n  board v0 failed setup', paths);
    expect(gapped.missing.at(-1)).toBe('suite.2-boards: every run had a failed test: board v0 failed setup');
    expect(readFileSync(paths.markdown, 'utf8')).toContain('- suite.2-boards: every run had a failed test: board v0 failed setup');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
