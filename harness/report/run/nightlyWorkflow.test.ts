import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { commands } from '../../cli/commands/index.ts';
import { loadConfig } from '../../config/load.ts';
import { parseLabgridTarget } from '../../labgrid/target.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string | string[];
  env?: Record<string, string | number>;
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

const LAB_BENCH = '.github/lab/nightly.lab.config.yaml';
const bench = workflow.jobs.bench!;
const benchSteps = bench.steps ?? [];

test('with a labgrid coordinator the shards run on any lab runner with the lab\'s bench file; without one, on the esp32s3 hosts with their own', () => {
  // vars.X && A || B: A when the repository variable is set, else B.
  expect(bench['runs-on']).toBe(`\${{ vars.LABGRID_COORDINATOR && fromJSON('["self-hosted", "lab"]') || fromJSON('["self-hosted", "esp32s3"]') }}`);
  expect(bench.env?.HIL_CONFIG).toBe(`\${{ vars.LABGRID_COORDINATOR && '${LAB_BENCH}' || '/etc/proplet-hil/lab.config.yaml' }}`);
  expect(bench.env?.LABGRID_COORDINATOR).toBe('${{ vars.LABGRID_COORDINATOR }}');
});

test('the lab\'s bench file leases every board by tag from the coordinator the workflow names, and the job sets what it reads', async () => {
  const env = { LABGRID_COORDINATOR: 'lab-coord.lab:20408', HIL_ADVERTISED_HOST: '192.168.10.2', LAB_A_KEY: 'a', LAB_B_KEY: 'b', HIL_WIFI_SSID: 's', HIL_WIFI_PSK: 'p' };
  const config = await loadConfig(LAB_BENCH, env);
  expect(config.boards.length).toBeGreaterThan(1);
  for (const board of config.boards) {
    const target = parseLabgridTarget(board.port);
    expect(target.coordinator, board.name).toBe('lab-coord.lab:20408');
    expect(target.place, `${board.name} draws from a pool, not one place`).toBeUndefined();
    expect(config.propeller.proplets[board.name], board.name).toBeDefined();
  }
  // A shard may queue behind the others: its wait is longer than a shard takes.
  expect(config.timeouts.placeWait).toBeGreaterThanOrEqual(30 * 60_000);
  // Every variable it reads is set by the job, but the runner's own address (its .env file).
  const read = [...readFileSync(LAB_BENCH, 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
  for (const name of new Set(read)) if (name !== 'HIL_ADVERTISED_HOST') expect(Object.keys(bench.env ?? {}), name).toContain(name);
});

test('a lab runner installs labgrid\'s client at the version CI tests with, and shows the places before the run', () => {
  const pinned = /^LABGRID_VERSION=(\S+)$/m.exec(readFileSync('.ci/install-peers', 'utf8'))?.[1];
  expect(pinned).toBeDefined();
  expect(workflow.env.LABGRID_VERSION).toBe(pinned);
  const install = benchSteps.find((s) => s.run?.includes('pip install'));
  expect(install?.run).toContain('"labgrid==$LABGRID_VERSION"');
  expect(install?.run).toContain('.peers/venv');
  const names = benchSteps.map((s) => s.run ?? '');
  const boards = names.findIndex((r) => r.includes('npx hil boards'));
  expect(boards).toBeGreaterThan(names.indexOf(install!.run!));
  expect(boards).toBeLessThan(names.findIndex((r) => r.includes('npx hil test --lab')));
});

test('the lab suite runs one shard per matrix entry', () => {
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
