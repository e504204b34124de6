import type { TimeoutsConfig } from '../config/schema.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import type { ImageSettings } from '../provision/profileSettings.ts';
import type { BenchKind, BenchPlan } from './plan.ts';

/** The firmware settings the suite provisions besides the credentials (CONTRACT.md §2.2). */
export interface BenchSettings {
  keepAliveS: number;
  aliveS: number;
  taskTimeoutMs: number;
}

/**
 * Virtual boards run the suite on a short keep-alive and alive period, so that the LWT and
 * reconnection specs take seconds; lab boards use the bench file's keep-alive and task
 * timeout and the firmware's default alive period (CONTRACT.md §1).
 */
const SUITE_SETTINGS: Record<BenchKind, (timeouts: TimeoutsConfig) => BenchSettings> = {
  virtual: () => ({ keepAliveS: 3, aliveS: 1, taskTimeoutMs: 5_000 }),
  lab: (timeouts) => ({ keepAliveS: Math.round(timeouts.keepAlive / 1000), aliveS: 10, taskTimeoutMs: timeouts.task }),
};

export function benchSettings(plan: BenchPlan): BenchSettings {
  return SUITE_SETTINGS[plan.kind](plan.config.timeouts);
}

/**
 * The settings a board of this profile really runs with: the suite's where the firmware has a
 * key for them, else its compiled-in values (upstream has no keep-alive or alive setting).
 */
export function profileBenchSettings(settings: BenchSettings, profile: FirmwareProfile): BenchSettings {
  const { keys } = profile.settings;
  return {
    keepAliveS: keys.keepAliveS ? settings.keepAliveS : profile.defaults.keepAliveS,
    aliveS: keys.aliveS ? settings.aliveS : profile.defaults.aliveS,
    taskTimeoutMs: settings.taskTimeoutMs,
  };
}

/** Where a board's broker is, as the board must dial it. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/**
 * Everything the suite provisions on one board: its identity, the worker's broker, the bench
 * settings the firmware has keys for, the WiFi, and TLS where the firmware can do it.
 */
export function suiteProvisioning(
  plan: BenchPlan,
  credentials: { id: string; apiKey: string },
  broker: BrokerAddress,
  settings: BenchSettings,
  profile: FirmwareProfile,
): ImageSettings {
  const { propeller, wifi } = plan.config;
  const { keys } = profile.settings;
  return {
    propletId: credentials.id,
    apiKey: credentials.apiKey,
    tenant: propeller.tenant,
    channel: propeller.channel,
    brokerHost: broker.host,
    brokerPort: broker.port,
    ...(keys.keepAliveS ? { keepAliveS: settings.keepAliveS } : {}),
    ...(keys.aliveS ? { aliveS: settings.aliveS } : {}),
    ...(keys.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}),
    ...(profile.tls !== 'never' && keys.tlsEnabled ? { tls: true } : {}),
    wifiSsid: wifi.ssid,
    wifiPsk: wifi.psk,
  };
}
