import { expect, test } from '@playwright/test';
import { fuzzArgs, parseFuzzerOutput } from './libfuzzer.ts';

// The shapes below are libFuzzer's own output (clang 14): a clean bounded run, and a run
// stopped by an invariant of fuzz_settings.c.
const CLEAN = `INFO: seed corpus: files: 80 min: 1b max: 371b total: 2559b rss: 30Mb
#81	INITED cov: 52 ft: 187 corp: 68/2451b exec/s: 0 rss: 32Mb
#32768	pulse  cov: 52 ft: 187 corp: 68/2448b lim: 695 exec/s: 16384 rss: 49Mb
#36434	DONE   cov: 53 ft: 187 corp: 68/2446b lim: 722 exec/s: 12144 rss: 51Mb
Done 36434 runs in 3 second(s)
stat::number_of_executed_units: 36434
stat::average_exec_per_sec:     12144
stat::new_units_added:          2
`;

const CRASH = `#2	INITED cov: 31 ft: 32 corp: 1/1b exec/s: 0 rss: 30Mb
fuzz_settings.c:51: invariant broken: strncmp(full, tight, n) == 0
==19236== ERROR: libFuzzer: deadly signal
    #0 0x56082b503ce1 in __sanitizer_print_stack_trace
    #7 0x56082b535d15 in check_missing fuzz_settings.c:51:3
NOTE: libFuzzer has rudimentary signal handlers.
SUMMARY: libFuzzer: deadly signal
MS: 2 ChangeBit-InsertByte-; base unit: adc83b19e793491b1c6ea0fd8b46cd9f32e592fc
0xa,0xa,
artifact_prefix='reports/fuzz/settings/'; Test unit written to reports/fuzz/settings/crash-71853c6197a6a7f222db0f1978c7cb232b87c5ee
Base64: Cgo=
stat::number_of_executed_units: 113
stat::average_exec_per_sec:     0
`;

test('a clean run gives its executions, rate and coverage, and no finding', () => {
  expect(parseFuzzerOutput(CLEAN)).toEqual({ runs: 36434, execPerSec: 12144, coverage: 53 });
});

test('a crash gives the input libFuzzer wrote and the report up to its SUMMARY', () => {
  const stats = parseFuzzerOutput(CRASH);
  expect(stats.artifact).toBe('reports/fuzz/settings/crash-71853c6197a6a7f222db0f1978c7cb232b87c5ee');
  expect(stats.report?.split('\n')[0]).toBe('fuzz_settings.c:51: invariant broken: strncmp(full, tight, n) == 0');
  expect(stats.report?.split('\n').at(-1)).toBe('SUMMARY: libFuzzer: deadly signal');
  expect(stats.runs).toBe(113);
});

test('the run is bounded by time, by runs when asked, and reads the seeds after the scratch corpus', () => {
  const args = fuzzArgs({ seconds: 5, runs: 1000, maxLen: 64, corpus: ['scratch', 'seeds'], artifactPrefix: 'out/' });
  expect(args).toEqual(expect.arrayContaining(['-max_total_time=5', '-runs=1000', '-max_len=64', '-artifact_prefix=out/']));
  expect(args.slice(-2)).toEqual(['scratch', 'seeds']);
  expect(fuzzArgs({ seconds: 5, maxLen: 64, corpus: ['c'], artifactPrefix: 'o/' }).some((a) => a.startsWith('-runs='))).toBe(false);
});
