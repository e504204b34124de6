import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { VirtualBoard } from '../../harness/bench/virtualBoards.ts';
import { figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';
import { requireInstalledPeer } from '../../harness/testing/peers.ts';

/**
 * `hil flash --port` against Espressif's esptool writing the same 1 MiB image to the same paced
 * virtual board in the same run: both as a person runs them, whole process timed, both at
 * 921600 baud (hil's default for --port, esptool's --baud). esptool stops after its hard
 * reset; hil also waits for the new image's boot banner.
 */
const RUNS = 2;
const IMAGE = 'fixtures/build/proplet-1m.bin';
const COMMAND = 'npx playwright test --project=bench specs/bench/flashEsptool.bench.ts';

function timed(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 180_000, env: { ...process.env, HIL_LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(performance.now() - started);
    });
  });
}

test('flash: hil flash --port vs esptool write-flash, 1 MiB at 921600 baud, same board, same run', async () => {
  test.setTimeout(900_000);
  const esptool = requireInstalledPeer('esptool');
  const dir = mkdtempSync(join(tmpdir(), 'bench-flash-esptool-'));
  const board = await VirtualBoard.start({ stateDir: join(dir, 'board'), pace: true });
  try {
    const hilMs: number[] = [];
    const esptoolMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      esptoolMs.push(await timed(esptool, ['--port', board.url, '--baud', '921600', 'write-flash', '0x0', IMAGE]));
      hilMs.push(await timed(process.execPath, ['harness/cli/hil.mjs', 'flash', '--port', board.url, '--force', IMAGE]));
    }
    expect(hilMs).toHaveLength(RUNS);
    console.log(`hil flash --port: ${hilMs.map(Math.round).join(', ')} ms; esptool write-flash: ${esptoolMs.map(Math.round).join(', ')} ms`);
    const esptoolMedian = [...esptoolMs].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
    recordFigures([
      figure({
        id: 'flash.vs-esptool',
        group: 'Flash',
        name: 'hil flash --port 1 MiB vs esptool write-flash',
        unit: 'ms',
        better: 'lower',
        samples: hilMs,
        reference: { label: `esptool 5 write-flash, same image and board (runs: ${esptoolMs.map((m) => Math.round(m)).join(', ')} ms)`, value: esptoolMedian },
        aims: [{ text: '≤ 1.2 × esptool', op: '<=', factor: 1.2 }],
        method: {
          command: COMMAND,
          how: `Virtual board paced at 921600 baud over rfc2217://; ${IMAGE} (1 MiB, incompressible) at 0x0; ${RUNS} runs alternating esptool --baud 921600 write-flash 0x0 and hil flash --port --force, each process timed whole (connect, stub, write, verify, reset; hil also waits for the boot banner).`,
        },
      }),
    ]);
  } finally {
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
