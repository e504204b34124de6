import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startBroker } from '../../harness/broker/broker.ts';
import { Manager } from '../../harness/propeller/manager.ts';
import { figure } from '../../harness/report/benchReport.ts';
import { recordFigures } from '../../harness/report/benchWrite.ts';
import { CHANNEL, provisionedBoard, startLinkProxy, TENANT } from './rig.ts';

/**
 * LWT detection: from the power cut to the offline will at the manager. A board that loses
 * power sends nothing more, so the broker only notices when keep-alive runs out (MQTT 3.1.1
 * §3.1.2.10: 1.5 × keep-alive); a relay between board and broker freezes the link at the cut
 * so that the embedded broker sees exactly that. The virtual board's SIGKILL alone lets the OS
 * close its socket, which the broker notices at once: reported beside it, for contrast.
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
  const proxy = await startLinkProxy(broker.port);
  const manager = new Manager({ url: broker.url, tenant: TENANT, channel: CHANNEL });
  const rig = await (async () => {
    await manager.ready();
    return provisionedBoard(dir, 'lwt', manager, { brokerPort: proxy.port, keepaliveS: KEEPALIVE_S, aliveS: ALIVE_S });
  })().catch(async (err: unknown) => {
    await manager.close();
    await proxy.close();
    await broker.close();
    throw err;
  });
  try {
    const cut = async (silent: boolean): Promise<number> => {
      await manager.awaitAlive(rig.propletId, { timeout: ALIVE_S * 3000 });
      const since = manager.mark();
      const started = performance.now();
      if (silent) proxy.freeze();
      await rig.board.powerOff();
      const will = await manager.awaitOffline(rig.propletId, { timeout: BOUND_MS + 5_000, since });
      const ms = performance.now() - started;
      expect(will.status).toBe('offline');
      const back = manager.mark();
      await rig.board.powerOn();
      await rig.transport.open();
      await manager.awaitDiscovery(rig.propletId, { timeout: 20_000, since: back });
      return ms;
    };
    const silent: number[] = [];
    const closed: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      silent.push(await cut(true));
      closed.push(await cut(false));
    }
    const bound = { label: '1.5 × keep-alive (MQTT bound)', value: BOUND_MS };
    recordFigures([
      figure({
        id: 'lwt.power-cut',
        group: 'LWT detection',
        name: 'LWT after a power cut (silent link)',
        unit: 'ms',
        better: 'lower',
        samples: silent,
        reference: bound,
        aims: [{ text: '≤ bound + 0.2 s', op: '<=', factor: 1, offset: 200 }],
        method: {
          command: COMMAND,
          how: `Virtual board provisioned with keepalive_s=${KEEPALIVE_S}, alive_s=${ALIVE_S}, reaching the embedded Aedes broker through a TCP relay; after an alive message the relay freezes the link (no bytes, no FIN) and the board is killed (SIGKILL); timed until the manager receives the offline will; then power on and wait for discovery. ${RUNS} runs, interleaved with the next figure's.`,
        },
      }),
      figure({
        id: 'lwt.socket-closed',
        group: 'LWT detection',
        name: 'LWT after a kill that closes the socket',
        unit: 'ms',
        better: 'lower',
        samples: closed,
        reference: bound,
        method: {
          command: COMMAND,
          how: `As above without the freeze: the OS closes the killed board's socket, the relay passes the close on, and the broker publishes the will at once. Not a power cut a real board can have; it shows the broker's and manager's own share. ${RUNS} runs.`,
        },
      }),
    ]);
  } finally {
    await rig.close();
    await manager.close();
    await proxy.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
