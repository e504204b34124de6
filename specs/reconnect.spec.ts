import { expect, test } from '../harness/playwright/fixtures.ts';
import { requireCapabilities } from '../harness/profiles/unsupported.ts';

// A firmware without `reconnect` (upstream v0.5.0 never reconnects after a loss,
// docs/upstream-firmware.md) has these reported as not supported by its profile.
test.describe('reconnection', () => {
  test.beforeEach(({ broker, profile }) => {
    requireCapabilities(profile, 'reconnect');
    test.skip(!broker.embedded, 'fault injection needs the embedded broker; this bench uses broker.external');
  });

  test('after a broker restart the board reconnects, re-subscribes and runs the next task', async ({
    board,
    broker,
    manager,
    workloads,
    plan,
    observations,
  }) => {
    const since = board.console.mark();
    const restarted = performance.now();
    await broker.embedded!.restart({ downtimeMs: 1_000 });
    await board.console.waitFor('mqtt.disconnected', { timeout: 10_000, since });
    await board.console.waitFor('mqtt.reconnect', { timeout: 10_000, since });
    await board.console.waitFor('mqtt.connected', { timeout: plan.config.timeouts.mqttConnect, since });
    observations.metric('reconnect.afterBrokerRestart', performance.now() - restarted);
    for (const topic of ['control/manager/start', 'control/manager/stop', 'registry/server']) {
      await board.console.expect((e) => e.kind === 'mqtt.subscribed' && e.topic.endsWith(topic), { timeout: 5_000, since });
    }
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });

  test('after its socket is dropped the board reconnects and runs the next task', async ({ board, broker, manager, workloads, plan }) => {
    const since = board.console.mark();
    const mqttSince = manager.mark();
    broker.embedded!.drop(board.credentials.id);
    // A dropped socket is not a clean disconnect: the broker publishes the board's will.
    await manager.awaitOffline(board.credentials.id, { timeout: 5_000, since: mqttSince });
    await board.console.waitFor('mqtt.connected', { timeout: plan.config.timeouts.mqttConnect, since });
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });

  test('a broker that refuses connections for longer than the keep-alive is waited out', async ({
    board,
    broker,
    manager,
    workloads,
    settings,
    plan,
  }) => {
    const since = board.console.mark();
    const refuseMs = (settings.keepAliveS + 2) * 1000;
    broker.embedded!.refuseConnections(refuseMs);
    broker.embedded!.drop(board.credentials.id);
    await board.console.waitFor('mqtt.disconnected', { where: (e) => e.reason.startsWith('connect refused'), timeout: refuseMs, since });
    await board.console.waitFor('mqtt.connected', { timeout: refuseMs + plan.config.timeouts.mqttConnect, since });
    const attempts = board.console.events.slice(since).filter((e) => e.kind === 'mqtt.reconnect');
    expect(attempts.length, 'reconnect attempts while refused').toBeGreaterThan(1);
    expect(await manager.run(workloads.add!)).toEqual({ results: '5' });
  });
});
