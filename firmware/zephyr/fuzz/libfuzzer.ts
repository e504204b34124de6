import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one libFuzzer run did, read from its output (`-print_final_stats=1`). */
export interface FuzzStats {
  runs: number;
  execPerSec: number;
  /** Edges covered at the end (`cov:`), 0 when the run died before its first stats line. */
  coverage: number;
  /** The input libFuzzer wrote when it found a crash, leak or timeout. */
  artifact?: string;
  /** The sanitizer's or the invariant's report, from its first line to libFuzzer's SUMMARY. */
  report?: string;
}

export interface FuzzOptions {
  /** -max_total_time. */
  seconds: number;
  /** -runs; undefined for no bound but the time. */
  runs?: number;
  /** -max_len: inputs libFuzzer may grow to. */
  maxLen: number;
  dict?: string;
  /** Corpus directories: the first receives new inputs, the rest (the seeds) are only read. */
  corpus: string[];
  /** Where a crashing input is written (a directory, with its trailing slash). */
  artifactPrefix: string;
}

function lastNumber(text: string, pattern: RegExp): number {
  let value = 0;
  for (const m of text.matchAll(pattern)) value = Number(m[1]);
  return value;
}

/** Reads libFuzzer's stderr: final stats, and the crash input and report when there was one. */
export function parseFuzzerOutput(text: string): FuzzStats {
  const stats: FuzzStats = {
    runs: lastNumber(text, /^stat::number_of_executed_units:\s+(\d+)/gm),
    execPerSec: lastNumber(text, /^stat::average_exec_per_sec:\s+(\d+)/gm),
    coverage: lastNumber(text, /^#\d+\s+\w+\s+cov: (\d+)/gm),
  };
  const artifact = /Test unit written to (\S+)/.exec(text)?.[1];
  if (artifact) stats.artifact = artifact;
  const lines = text.split('\n');
  const first = lines.findIndex((l) => /invariant broken:|^==\d+==\s*ERROR:|runtime error:|^SUMMARY: /.test(l));
  if (first >= 0) {
    const summary = lines.findIndex((l, i) => i >= first && l.startsWith('SUMMARY: '));
    stats.report = lines.slice(first, summary >= 0 ? summary + 1 : first + 40).join('\n');
  }
  return stats;
}

/** The arguments of one bounded fuzzing run. */
export function fuzzArgs(opts: FuzzOptions): string[] {
  return [
    `-max_total_time=${opts.seconds}`,
    ...(opts.runs !== undefined ? [`-runs=${opts.runs}`] : []),
    `-max_len=${opts.maxLen}`,
    // One input may take ten seconds at most: anything slower is a hang worth reporting.
    '-timeout=10',
    '-print_final_stats=1',
    `-artifact_prefix=${opts.artifactPrefix}`,
    ...(opts.dict ? [`-dict=${opts.dict}`] : []),
    ...opts.corpus,
  ];
}

/**
 * The core never allocates, so LeakSanitizer has nothing to find there; it also fails outright
 * under the ptrace restrictions of some CI containers (as in tests/CMakeLists.txt).
 */
const SANITIZER_ENV = { ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' };

interface Exited {
  code: number;
  output: string;
}

async function exec(binary: string, args: string[], timeoutMs: number): Promise<Exited> {
  try {
    const { stderr, stdout } = await run(binary, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...SANITIZER_ENV } });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    const why = e.killed ? `\n(killed after ${timeoutMs} ms)` : '';
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}${why}` };
  }
}

/** Runs a target for a bounded time; a non-zero exit means it found something. */
export async function fuzz(binary: string, opts: FuzzOptions): Promise<FuzzStats & Exited> {
  // libFuzzer stops itself at max_total_time; the margin covers loading the corpus and a slow exit.
  const exited = await exec(binary, fuzzArgs(opts), (opts.seconds + 60) * 1000);
  return { ...exited, ...parseFuzzerOutput(exited.output) };
}

/** Shrinks a crashing input (`-minimize_crash=1`); the smallest one is written beside it. */
export async function minimizeCrash(binary: string, input: string, artifactPrefix: string, seconds: number): Promise<string | undefined> {
  const exited = await exec(
    binary,
    ['-minimize_crash=1', `-max_total_time=${seconds}`, '-timeout=10', `-exact_artifact_path=${artifactPrefix}minimized`, input],
    (seconds + 60) * 1000,
  );
  // libFuzzer names the smallest crashing input it ended with, be it the input itself.
  return /CRASH_MIN: failed to minimize beyond (\S+)/.exec(exited.output)?.[1];
}

/** True when clang can link a libFuzzer target here (Debian splits the runtime into libclang-rt-dev). */
export async function canBuildFuzzers(workDir: string): Promise<boolean> {
  const source = `${workDir}/probe.c`;
  await writeFile(source, '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n');
  const built = await exec('clang', ['-fsanitize=fuzzer,address,undefined', source, '-o', `${workDir}/probe`], 60_000);
  return built.code === 0;
}
