import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { commands } from '../../cli/commands/index.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string | string[];
  needs?: string | string[];
  uses?: string;
  strategy?: { matrix?: { shard?: number[] } };
  steps?: Step[];
}

const workflow = parse(readFileSync('.github/workflows/hil-nightly.yml', 'utf8')) as {
  on: { schedule?: { cron: string }[]; push?: { tags?: string[] } };
  env: Record<string, string>;
  jobs: Record<string, Job>;
};
const runs = Object.values(workflow.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? '')).join('\n');

test('the nightly runs on a schedule and on release tags', () => {
  expect(workflow.on.schedule?.[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  expect(workflow.on.push?.tags).toContain('v*');
});

test('the lab suite runs on self-hosted ESP32-S3 benches, one shard per matrix entry', () => {
  const bench = workflow.jobs.bench!;
  expect(bench['runs-on']).toEqual(['self-hosted', 'esp32s3']);
  const shards = bench.strategy?.matrix?.shard ?? [];
  expect(shards.length).toBe(Number(workflow.env.SHARDS));
  expect(runs).toMatch(/npx hil test --lab .*--shard=\$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/s);
  expect(bench.needs).toBe('firmware');
  expect(workflow.jobs.firmware!.uses).toBe('./.github/workflows/firmware.yml');
});

test('the report job merges the shards, compares with the last release and publishes the Markdown', () => {
  expect(runs).toContain('npx playwright merge-reports');
  expect(runs).toMatch(/npx hil compare baseline/);
  expect(runs).toContain('GITHUB_STEP_SUMMARY');
  const uploads = Object.values(workflow.jobs).flatMap((j) => j.steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact'));
  expect(uploads.map((s) => s.with?.name)).toEqual(expect.arrayContaining(['hil-reports', 'hil-summary']));
});

test('every hil command and npm script the workflows call exists', () => {
  const called = [...runs.matchAll(/npx hil (\w+)/g)].map((m) => m[1]);
  expect(called.length).toBeGreaterThan(0);
  for (const name of called) expect(commands.map((c) => c.name)).toContain(name);
  const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: object }).scripts);
  for (const [, script] of runs.matchAll(/npm run (\w+)/g)) expect(scripts).toContain(script);
});

test('the firmware workflow can be called by the nightly', () => {
  const firmware = parse(readFileSync('.github/workflows/firmware.yml', 'utf8')) as { on: Record<string, unknown> };
  expect(Object.keys(firmware.on)).toContain('workflow_call');
});
