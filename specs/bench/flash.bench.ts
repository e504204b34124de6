import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { VirtualBoard } from '../../harness/bench/virtualBoards.ts';
import { flashBoard, type FlashTarget } from '../../harness/flash/flasher.ts';
import { firmwareFromImage, firmwareFromManifest, type Firmware } from '../../harness/flash/manifest.ts';
import { figure } from '../../harness/report/benchmark/figures.ts';
import { summarize } from '../../harness/report/benchmark/stats.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';
import { openTransport } from '../../harness/transport/open.ts';
import { silent as log } from './rig.ts';

/**
 * Flash throughput on a virtual board whose UART is paced at the baud rate, as a wire is: the
 * figures show what esptool-js, the RFC 2217 link and the flasher add on top of the bytes.
 */
const FLASH_BAUD = 921_600;
/** Start bit, 8 data bits, stop bit. */
const LINK_LIMIT = FLASH_BAUD / 10;
const MIB = 2 ** 20;
const WRITE_RUNS = 3;
const UNCHANGED_RUNS = 5;
const COMMAND = 'npx playwright test --project=bench specs/bench/flash.bench.ts';

/**
 * 1 MiB shaped like a firmware image: runs of instructions from a small opcode set with few
 * operand bits, NUL-terminated log strings, sparse tables, some constants. Deflate leaves about
 * two thirds of it, as it does of a typical ESP32 application.
 */
function firmwareLike(length: number): Buffer {
  let x = 0x1234567;
  const rnd = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const words = 'Task received started finished failed heap pool used free high mqtt connected disconnected reason wifi dhcp bound settings loaded proplet wasm runtime ready exception memory allocate module load instantiate import main inputs'.split(' ');
  const opcodes = Array.from({ length: 48 }, () => [rnd() & 0xff, rnd() & 0xff] as const);
  const out = Buffer.alloc(length);
  let i = 0;
  while (i < length) {
    const kind = rnd() % 100;
    if (kind < 60) {
      for (let k = 0; k < 64 && i + 3 <= length; k++) {
        const op = opcodes[rnd() % opcodes.length]!;
        out[i++] = op[0];
        out[i++] = op[1] ^ (rnd() & 0x03);
        out[i++] = (rnd() & 0x07) << 4;
      }
    } else if (kind < 80) {
      const text = Array.from({ length: 8 }, (_, k) => `${words[rnd() % words.length]}${k % 3 ? ' ' : '=%d '}`).join('');
      i += out.write(`${text}\0`, i, 'latin1');
    } else if (kind < 95) {
      const n = 16 + (rnd() % 64);
      for (let k = 0; k < n && i < length; k++) out[i++] = k % 4 === 0 ? rnd() & 0x7 : 0;
    } else {
      for (let k = 0; k < 32 && i < length; k++) out[i++] = rnd() & 0xff;
    }
  }
  return out;
}

const deflated = (data: Uint8Array) => deflateSync(data, { level: 9 }).length / data.length;

test('flash: 1 MiB compressible and incompressible at 921600 baud against the link limit; unchanged re-flash', async () => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-flash-'));
  const board = await VirtualBoard.start({ stateDir: join(dir, 'board'), firmware: 'fixtures/build/proplet.bin', pace: true });
  const transport = await openTransport(board.url, { baud: 115200, log });
  try {
    const target: FlashTarget = { name: 'bench', transport, reset: 'classic', baud: 115200, flashBaud: FLASH_BAUD, log };
    // The incompressible image is an application image and boots; the firmware-like MiB is a
    // data region beside the small app, so that the board boots after every write as well.
    const incompressible = firmwareFromImage('fixtures/build/proplet-1m.bin');
    writeFileSync(join(dir, 'typical.bin'), firmwareLike(MIB));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ regions: [{ name: 'app', offset: 0, file: 'proplet.bin' }, { name: 'typical', offset: 0x100000, file: 'typical.bin' }] }));
    writeFileSync(join(dir, 'proplet.bin'), firmwareFromImage('fixtures/build/proplet.bin').regions[0]!.data);
    const compressible = firmwareFromManifest(join(dir, 'manifest.json'));

    const rates = async (fw: Firmware, region: string): Promise<{ rates: number[]; wallMs: number[] }> => {
      const out = { rates: [] as number[], wallMs: [] as number[] };
      for (let run = 0; run < WRITE_RUNS; run++) {
        const result = await flashBoard(target, fw, { force: true });
        const r = result.regions.find((x) => x.name === region);
        expect(r?.outcome, `${region} was written`).toBe('written');
        expect(result.booted, 'the board booted after the write').toBeDefined();
        out.rates.push(r!.bytesPerSecond!);
        out.wallMs.push(result.ms);
      }
      return out;
    };
    const typical = await rates(compressible, 'typical');
    const random = await rates(incompressible, 'proplet-1m');

    const unchanged: number[] = [];
    for (let run = 0; run < UNCHANGED_RUNS; run++) {
      const result = await flashBoard(target, incompressible);
      expect(result.regions.map((r) => r.outcome), 'the image on the board was recognised').toEqual(['unchanged']);
      unchanged.push(result.ms);
    }

    const link = { label: 'link limit (921600 baud / 10)', value: LINK_LIMIT };
    const perRun = 'bytes of the region over the time from its MD5 check through compressed write and MD5 verify (esptool-js stub, one flashBoard with force per run)';
    recordFigures([
      figure({
        id: 'flash.compressible',
        group: 'Flash',
        name: 'Flash 1 MiB, typical firmware (compressible)',
        unit: 'B/s',
        better: 'higher',
        samples: typical.rates,
        reference: link,
        method: {
          command: COMMAND,
          how: `Virtual board paced at 921600 baud; 1 MiB of firmware-shaped bytes (deflate level 9 keeps ${(deflated(compressible.regions[1]!.data) * 100).toFixed(0)} %) at 0x100000; ${WRITE_RUNS} runs, each ${perRun}. No aim set: compression lets it beat the link.`,
        },
      }),
      figure({
        id: 'flash.incompressible',
        group: 'Flash',
        name: 'Flash 1 MiB, incompressible',
        unit: 'B/s',
        better: 'higher',
        samples: random.rates,
        reference: link,
        aims: [{ text: '≥ 0.9 × link limit', op: '>=', factor: 0.9 }],
        method: {
          command: COMMAND,
          how: `Virtual board paced at 921600 baud; fixtures/build/proplet-1m.bin (1 MiB app image, pseudo-random filler, deflate keeps ${(deflated(incompressible.regions[0]!.data) * 100).toFixed(0)} %); ${WRITE_RUNS} runs, each ${perRun}.`,
        },
      }),
      figure({
        id: 'flash.unchanged',
        group: 'Flash',
        name: 'Re-flash an unchanged 1 MiB image',
        unit: 'ms',
        better: 'lower',
        samples: unchanged,
        reference: { label: 'writing it (whole flashBoard, same run)', value: summarize(random.wallMs).median },
        aims: [{ text: '≤ 1 s', op: '<=', factor: 0, offset: 1000 }],
        method: {
          command: COMMAND,
          how: `flashBoard without force on the board that holds proplet-1m.bin: reset into the ROM, sync, the ROM's own MD5 of the region (no stub upload; paced MD5 time included), reset, boot banner; ${UNCHANGED_RUNS} runs, whole call timed. Reference: the median wall time of the forced writes.`,
        },
      }),
    ]);
  } finally {
    await transport.close().catch(() => undefined);
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
