import { expect, RESETS_BOARD, test } from '../harness/playwright/fixtures.ts';
import { DEFAULT_OFF_MS } from '../harness/power/power.ts';
import { requireCapabilities } from '../harness/profiles/unsupported.ts';

test.describe('boot', () => {
  test('a power cycle boots the expected firmware, cleanly, and it rejoins the broker', { annotation: RESETS_BOARD }, async ({
    board,
    manager,
    plan,
    observations,
  }) => {
    const { boot: bootTimeout, mqttConnect } = plan.config.timeouts;
    const since = board.console.mark();
    const mqttSince = manager.mark();
    await board.power.off();
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_OFF_MS));
    const poweredOn = performance.now();
    await board.power.on();

    const rom = await board.console.waitFor('rom.banner', { timeout: bootTimeout, since });
    observations.metric('boot.powerOnToRom', performance.now() - poweredOn);
    expect(rom.resetCause, 'reset cause after a power cycle').toBe('POWERON');
    expect(rom.bootMode).toContain('SPI_FAST_FLASH_BOOT');
    const banner = await board.console.waitFor('zephyr.banner', { timeout: bootTimeout, since });
    await board.console.waitFor('boot', { timeout: bootTimeout, since });
    const connected = await board.console.waitFor('mqtt.connected', { timeout: mqttConnect, since });
    await manager.awaitDiscovery(board.credentials.id, { timeout: mqttConnect, since: mqttSince });

    observations.metric('boot.romToZephyr', banner.t - rom.t);
    observations.metric('boot.zephyrToMqtt', connected.t - banner.t);
    observations.metric('boot.resetToMqtt', connected.t - rom.t);
    const romBanners = board.console.events.slice(since).filter((e) => e.kind === 'rom.banner');
    expect(romBanners, 'one boot, not a boot loop').toHaveLength(1);
  });

  test('the boot line names the flashed image\'s version', async ({ board, plan, profile }) => {
    requireCapabilities(profile, 'version-line');
    // The board booted during its bring-up; the last boot line is that boot's.
    const boot = board.console.events.findLast((e) => e.kind === 'boot');
    expect(boot, 'a boot line since the console opened').toBeDefined();
    expect(boot!.kind === 'boot' && boot!.version, 'firmware version printed at boot').toBe(plan.expectVersion);
  });
});
