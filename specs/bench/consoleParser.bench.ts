import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ConsoleParser } from '../../harness/console/parser.ts';
import { figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';

/**
 * Console parser throughput over a long, realistic console: the hand-written captures (ROM
 * banner and boot, colours and reconnects, WAMR errors, shell, an Xtensa fatal dump) between
 * stretches of ordinary task traffic, fed in transport-sized chunks to a fresh parser.
 */
const CAPTURE_BYTES = 16 * 2 ** 20;
/** What one read from a serial or RFC 2217 transport typically brings. */
const CHUNK_BYTES = 1024;
const RUNS = 7;
/** USB-Serial/JTAG moves about 1 MB/s of console output (full-speed USB bulk, in practice). */
const LINE_RATE_MB_S = 1;
const SGR = { err: '\x1b[1;31m', wrn: '\x1b[1;33m', off: '\x1b[0m' };

const capture = (name: string) => readFileSync(new URL(`../../harness/console/captures/${name}`, import.meta.url), 'latin1');

function stamp(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `[${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)},000]`;
}

/** One task's life on the console (CONTRACT.md §2.1), coloured as Zephyr colours err/wrn lines. */
function taskLines(n: number, ms: number, colour: boolean): string {
  const paint = (lvl: 'err' | 'wrn', text: string) => (colour ? `${SGR[lvl]}${text}${SGR.off}` : text);
  const id = `task-${n}-5f0c9a7e`;
  const lines = [
    `${stamp(ms)} <inf> wasm: Task received id=${id} name=fib wasm_bytes=187 inputs=2`,
    `${stamp(ms + 1)} <inf> wasm: Task started id=${id} slot=${n % 4}`,
    `${stamp(ms + 2)} <inf> task: id=${id} text=computing fib(${n % 30}) with ${n % 7} retries`,
    n % 9 === 0
      ? paint('err', `${stamp(ms + 3)} <err> wasm: Task failed id=${id} error=Exception: integer divide by zero`)
      : `${stamp(ms + 3)} <inf> wasm: Task finished id=${id} results=${n},${n * 3},-${n % 11}`,
    `${stamp(ms + 3)} <inf> wasm: Heap pool used=2048 free=38912 high=${19520 + (n % 100)}`,
  ];
  if (n % 5 === 0) lines.push(paint('wrn', `${stamp(ms + 4)} <wrn> mqtt: Ignoring message topic=m/t/c/c/control/manager/pause`));
  return lines.map((l) => `${l}\r\n`).join('');
}

function realisticCapture(): { bytes: Buffer; fatals: number } {
  const session = (k: number) =>
    [
      capture('poweron-boot.log'),
      ...Array.from({ length: 60 }, (_, i) => taskLines(k * 100 + i, 10_000 + i * 50, k % 2 === 1)),
      capture('colour-reconnect.log'),
      capture('task-errors.log'),
      capture('shell-provisioning.log'),
      capture('fatal-store-prohibited.log'),
    ].join('');
  const parts: string[] = [];
  let size = 0;
  for (let k = 0; size < CAPTURE_BYTES; k++) {
    const s = session(k);
    parts.push(s);
    size += s.length;
  }
  const fatalsPerSession = new ConsoleParser().push(Buffer.from(session(0), 'latin1'), 0).filter((e) => e.kind === 'zephyr.fatal').length;
  return { bytes: Buffer.from(parts.join(''), 'latin1'), fatals: fatalsPerSession * parts.length };
}

function parseAll(bytes: Buffer): { ms: number; events: number; fatals: number } {
  const parser = new ConsoleParser();
  let events = 0;
  let fatals = 0;
  const started = performance.now();
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    const out = parser.push(bytes.subarray(at, at + CHUNK_BYTES), at);
    events += out.length;
    for (const e of out) if (e.kind === 'zephyr.fatal') fatals++;
  }
  return { ms: performance.now() - started, events, fatals };
}

test('console parser: MB/s over a large realistic capture, against the USB-Serial/JTAG line rate', async () => {
  const { bytes, fatals } = realisticCapture();
  expect(fatals, 'the capture holds fatal errors for the parser to find').toBeGreaterThan(0);
  parseAll(bytes); // warm-up: the JIT, not the parser, would otherwise dominate the first run
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const r = parseAll(bytes);
    expect(r.fatals, 'every fatal error in the capture is found').toBe(fatals);
    samples.push(bytes.length / 1e6 / (r.ms / 1000));
  }
  recordFigures([
    figure({
      id: 'console.parser',
      group: 'Console parser',
      name: 'Console parser throughput',
      unit: 'MB/s',
      better: 'higher',
      samples,
      reference: { label: 'USB-Serial/JTAG line rate', value: LINE_RATE_MB_S },
      aims: [{ text: '≥ 100 × line rate', op: '>=', factor: 100 }],
      method: {
        command: 'npx playwright test --project=bench specs/bench/consoleParser.bench.ts',
        how: `A ${(bytes.length / 2 ** 20).toFixed(0)} MiB console (the parser's captures: boot, colours, reconnects, WAMR errors, shell, Xtensa fatal dump, between 60-task stretches of task logs) fed in ${CHUNK_BYTES}-byte chunks to a fresh ConsoleParser; ${RUNS} runs after one warm-up, MB = 10^6 bytes.`,
      },
    }),
  ]);
});
