import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { HilError } from '../../../harness/errors.ts';
import { requirePeers } from '../../../harness/testing/peers.ts';
import { canBuildFuzzers, fuzz, minimizeCrash, type FuzzStats } from './libfuzzer.ts';

// Builds the libFuzzer targets of the firmware core with clang and runs each from its
// committed seed corpus for a few seconds: `npm test` stays fast and still finds what a
// fresh change breaks. HIL_FUZZ_SECONDS runs them longer (the nightly run); HIL_FUZZ_RUNS
// bounds the executions instead of, or as well as, the time.
const exec = promisify(execFile);
const fuzzDir = dirname(fileURLToPath(import.meta.url));
const reportsDir = resolve(process.env.HIL_REPORTS_DIR ?? 'reports', 'fuzz');

/** Each target and the input size libFuzzer may grow to: past MAX_PAYLOAD_BYTES where the oversize rule is in reach. */
const TARGETS: Record<string, { maxLen: number; dict?: string }> = {
  json: { maxLen: 4096, dict: 'json.dict' },
  base64: { maxLen: 4096 },
  task_start: { maxLen: 20_000, dict: 'json.dict' },
  task_stop: { maxLen: 20_000, dict: 'json.dict' },
  registry: { maxLen: 20_000, dict: 'json.dict' },
  topics: { maxLen: 512 },
  settings: { maxLen: 2048 },
};

function positiveEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new HilError(`${name}=${text} is not a positive whole number`, `e.g. ${name}=60`, 2);
  return Number(text);
}

const seconds = positiveEnv('HIL_FUZZ_SECONDS') ?? 5;
// Bounded by default so a fast machine does not spend its seconds on one target's plateau;
// a nightly run (HIL_FUZZ_SECONDS) is bounded by time alone unless HIL_FUZZ_RUNS says otherwise.
const runs = positiveEnv('HIL_FUZZ_RUNS') ?? (process.env.HIL_FUZZ_SECONDS ? undefined : 1_000_000);

test('every fuzz target has a source, a CMake entry and a seed corpus', () => {
  const cmake = readFileSync(join(fuzzDir, 'CMakeLists.txt'), 'utf8');
  const listed = /set\(FUZZ_TARGETS ([^)]*)\)/.exec(cmake)?.[1]?.trim().split(/\s+/);
  const sources = readdirSync(fuzzDir).filter((f) => /^fuzz_\w+\.c$/.test(f)).map((f) => f.slice(5, -2));
  expect(listed?.sort()).toEqual(Object.keys(TARGETS).sort());
  expect(sources.sort()).toEqual(Object.keys(TARGETS).sort());
  for (const name of Object.keys(TARGETS)) {
    expect(readdirSync(join(fuzzDir, 'corpus', name)).length, `seeds in corpus/${name}`).toBeGreaterThan(0);
  }
});

test.describe('libFuzzer targets of the firmware core', () => {
  test.describe.configure({ mode: 'serial' });
  let build = '';
  const figures: Record<string, { runs: number; seconds: number; execPerSec: number; coverage: number }> = {};

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    requirePeers('cmake', 'clang');
    build = mkdtempSync(join(tmpdir(), 'proplet-fuzz-'));
    if (!(await canBuildFuzzers(build))) {
      const reason = 'clang cannot link -fsanitize=fuzzer here: apt-get install -y libclang-rt-dev';
      if (process.env.CI === 'true') throw new Error(`CI is missing a peer this test needs — ${reason}`);
      test.skip(true, reason);
    }
    await exec('cmake', ['-S', fuzzDir, '-B', build, '-DCMAKE_C_COMPILER=clang'], { timeout: 60_000 });
    await exec('cmake', ['--build', build, '--parallel', '2'], { timeout: 180_000 });
  });

  test.afterAll(() => {
    if (build) rmSync(build, { recursive: true, force: true });
  });

  for (const [name, target] of Object.entries(TARGETS)) {
    test(`fuzz_${name} runs clean under ASan and UBSan`, async ({}, testInfo) => {
      test.setTimeout((seconds + 120) * 1000);
      const binary = join(build, `fuzz_${name}`);
      const artifacts = join(reportsDir, name);
      mkdirSync(artifacts, { recursive: true });
      // New inputs go to a scratch corpus; the committed seeds are only read.
      const scratch = mkdtempSync(join(build, `corpus-${name}-`));
      const result = await fuzz(binary, {
        seconds,
        runs,
        maxLen: target.maxLen,
        dict: target.dict && join(fuzzDir, target.dict),
        corpus: [scratch, join(fuzzDir, 'corpus', name)],
        artifactPrefix: `${artifacts}/`,
      });
      if (result.code !== 0) throw new Error(await describeFinding(name, binary, artifacts, result));

      const figure = { runs: result.runs, seconds, execPerSec: result.execPerSec, coverage: result.coverage };
      figures[name] = figure;
      writeFileSync(join(reportsDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
      testInfo.annotations.push({ type: 'figure', description: `fuzz_${name}: ${figure.runs} runs in ${seconds} s, ${figure.execPerSec} exec/s, cov ${figure.coverage}` });
      // A run that executed nothing proves nothing: the seeds alone are more than one input.
      expect(result.runs, `executions of fuzz_${name}`).toBeGreaterThan(readdirSync(join(fuzzDir, 'corpus', name)).length);
    });
  }
});

/** The failure text: what was found, the input, its minimised form, the report, how to replay. */
async function describeFinding(name: string, binary: string, artifacts: string, result: FuzzStats & { code: number; output: string }): Promise<string> {
  const lines = [`fuzz_${name} exited ${result.code} after ${result.runs} runs`];
  if (result.artifact) {
    lines.push(`crash input: ${resolve(result.artifact)}`);
    const minimized = await minimizeCrash(binary, result.artifact, `${artifacts}/`, 30);
    if (minimized) lines.push(`minimised: ${resolve(minimized)} (${readFileSync(minimized).length} bytes)`);
    lines.push(`replay: cmake -S firmware/zephyr/fuzz -B build/fuzz -DCMAKE_C_COMPILER=clang && cmake --build build/fuzz && build/fuzz/fuzz_${name} ${resolve(minimized ?? result.artifact)}`);
  }
  lines.push(result.report ?? result.output.split('\n').slice(-40).join('\n'));
  return lines.join('\n');
}
