import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startBroker } from '../../harness/broker/broker.ts';
import { Manager } from '../../harness/propeller/manager.ts';
import { figure } from '../../harness/report/benchmark/figures.ts';
import { recordFigures } from '../../harness/report/benchmark/write.ts';
import { CHANNEL, provisionedBoard, TENANT } from './rig.ts';

/**
 * LWT detection: from the power cut to the offline will at the manager. A board that loses
 * power sends nothing more (the virtual board's connections live in its radio process, which
 * goes silent without a FIN when the board is killed), so the broker only notices when
 * keep-alive runs out: MQTT 3.1.1 §3.1.2.10 allows 1.5 × keep-alive.
 */
const KEEPALIVE_S = 2;
const ALIVE_S = 1;
const RUNS = 5;
const BOUND_MS = KEEPALIVE_S * 1500;
const COMMAND = 'npx playwright test --project=bench specs/bench/lwt.bench.ts';

test('LWT detection: power cut to offline will, against 1.5 × keep-alive', async () => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-lwt-'));
  const broker = await startBroker({ port: 0 });
  const manager = new Manager({ url: broker.url, tenant: TENANT, channel: CHANNEL });
  const rig = await (async () => {
    await manager.ready();
    return provisionedBoard(dir, 'lwt', manager, { brokerPort: broker.port, keepAliveS: KEEPALIVE_S, aliveS: ALIVE_S });
  })().catch(async (err: unknown) => {
    await manager.close();
    await broker.close();
    throw err;
  });
  try {
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await manager.awaitAlive(rig.propletId, { timeout: ALIVE_S * 3000 });
      const since = manager.mark();
      const started = performance.now();
      await rig.board.powerOff();
      const will = await manager.awaitOffline(rig.propletId, { timeout: BOUND_MS + 5_000, since });
      samples.push(performance.now() - started);
      expect(will.status).toBe('offline');
      const back = manager.mark();
      await rig.board.powerOn();
      await rig.transport.open();
      await manager.awaitDiscovery(rig.propletId, { timeout: 20_000, since: back });
    }
    recordFigures([
      figure({
        id: 'lwt.power-cut',
        group: 'LWT detection',
        name: 'LWT after a power cut',
        unit: 'ms',
        better: 'lower',
        samples,
        reference: { label: '1.5 × keep-alive (MQTT bound)', value: BOUND_MS },
        aims: [{ text: '≤ bound + 0.2 s', op: '<=', factor: 1, offset: 200 }],
        method: {
          command: COMMAND,
          how: `Virtual board provisioned with keepalive_s=${KEEPALIVE_S}, alive_s=${ALIVE_S} on the embedded Aedes broker; right after an alive message the board is killed (SIGKILL; its link goes silent, no FIN); timed until the manager receives the offline will; then power on and wait for discovery. ${RUNS} runs.`,
        },
      }),
    ]);
  } finally {
    await rig.close();
    await manager.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
