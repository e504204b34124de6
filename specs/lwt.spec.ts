import type { MqttEvent } from '../harness/broker/mqttEvent.ts';
import { expect, RESETS_BOARD, test } from '../harness/playwright/fixtures.ts';

/** The keep-alive (s) of the board's last CONNECT on the broker. */
function connectKeepAlive(events: readonly MqttEvent[], clientId: string): number {
  const connect = events.findLast((e): e is Extract<MqttEvent, { kind: 'connect' }> => e.kind === 'connect' && e.clientId === clientId);
  if (!connect) throw new Error(`the broker saw no CONNECT from ${clientId}`);
  expect(connect.keepalive, 'the board connects with a keep-alive (0 would disable the will)').toBeGreaterThan(0);
  return connect.keepalive;
}

/** Scheduling slack on top of the MQTT bound: timers on a loaded 2-core host fire late. */
const GRACE_MS = 1_000;

test.describe('last will', () => {
  test('a power cut publishes the offline will within 1.5 × keep-alive; power back brings discovery', { annotation: RESETS_BOARD }, async ({
    board,
    broker,
    manager,
    settings,
    plan,
    observations,
  }) => {
    const id = board.credentials.id;
    // The bound is the keep-alive the board announced in its CONNECT, as the broker saw it (the
    // broker enforces 1.5 × that); an external broker shows no CONNECT, so there the provisioned one.
    const keepAliveS = broker.embedded ? connectKeepAlive(broker.embedded.events, id) : settings.keepAliveS;
    const bound = keepAliveS * 1500;
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
