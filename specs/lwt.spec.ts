import { expect, RESETS_BOARD, test } from '../harness/playwright/fixtures.ts';

/** Scheduling slack on top of the MQTT bound: timers on a loaded 2-core host fire late. */
const GRACE_MS = 1_000;

test.describe('last will', () => {
  test('a power cut publishes the offline will within 1.5 × keep-alive; power back brings discovery', { annotation: RESETS_BOARD }, async ({
    board,
    manager,
    settings,
    plan,
    observations,
  }) => {
    const id = board.credentials.id;
    const bound = settings.keepAliveS * 1500;
    await manager.awaitAlive(id, { timeout: settings.aliveS * 3_000 });
    const since = manager.mark();
    const cut = performance.now();
    await board.power.off();
    const will = await manager.awaitOffline(id, { timeout: bound + GRACE_MS, since });
    observations.metric('lwt.latency', performance.now() - cut);
    expect(will).toEqual({ status: 'offline', proplet_id: id, namespace: 'embedded' });

    const back = manager.mark();
    await board.power.on();
    await manager.awaitDiscovery(id, { timeout: plan.config.timeouts.boot + plan.config.timeouts.mqttConnect, since: back });
    await manager.awaitAlive(id, { timeout: settings.aliveS * 3_000, since: back });
  });
});
