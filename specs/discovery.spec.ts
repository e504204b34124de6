import type { DiscoveryPayload } from '../harness/propeller/payloads.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';

test.describe('discovery and alive', () => {
  // Upstream v0.5.0 announces no WAMR pool (total_memory_bytes 0: it runs WAMR on the system
  // allocator) and publishes metrics whose timestamp is milliseconds since boot, not the RFC 3339
  // text the manager reads (docs/upstream-firmware.md "MQTT", "WASM").
  test('the discovery message at connect describes this proplet', { tag: '@upstream-gap' }, async ({ board, manager }) => {
    // The board announced itself when it connected during setup; the manager kept that message.
    const discovery: DiscoveryPayload = await manager.awaitDiscovery(board.credentials.id, { timeout: 1_000, since: 0 });
    expect(discovery.proplet_id).toBe(board.credentials.id);
    expect(discovery.metadata).toMatchObject({ environment: 'embedded', os: 'zephyr', cpu_arch: 'xtensa', wasm_runtime: 'wamr' });
    expect(discovery.metadata.total_memory_bytes).toBe(40960);
    expect(manager.findings, 'payloads that broke their schema').toEqual([]);
  });

  test('alive messages arrive at the configured cadence', async ({ board, manager, settings, observations }) => {
    const count = 4;
    const arrivals: number[] = [];
    let since = manager.mark();
    for (let i = 0; i < count; i++) {
      await manager.awaitAlive(board.credentials.id, { timeout: settings.aliveS * 3_000, since });
      arrivals.push(performance.now());
      since = manager.mark();
    }
    const intervals = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    for (const interval of intervals) observations.metric('alive.interval', interval);
    const expected = settings.aliveS * 1000;
    const jitter = Math.max(...intervals.map((i) => Math.abs(i - expected)));
    observations.metric('alive.jitter', jitter);
    // Tolerance: half a period either way covers scheduling and broker delivery, and still
    // catches a firmware that ignores alive_s (1 s here versus its 10 s default).
    for (const interval of intervals) expect(interval, `alive interval, expected ≈ ${expected} ms`).toBeGreaterThan(expected * 0.5);
    for (const interval of intervals) expect(interval, `alive interval, expected ≈ ${expected} ms`).toBeLessThan(expected * 1.5);
  });
});
