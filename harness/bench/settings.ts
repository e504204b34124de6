import type { TimeoutsConfig } from '../config/schema.ts';
import type { BenchKind, BenchPlan } from './plan.ts';
import type { ProvisionSettings } from './provision.ts';

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

/** Where a board's broker is, as the board must dial it. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/** Everything the suite provisions on one board: its identity, the worker's broker, the bench settings, the WiFi. */
export function suiteProvisioning(plan: BenchPlan, credentials: { id: string; apiKey: string }, broker: BrokerAddress, settings: BenchSettings): ProvisionSettings {
  const { propeller, wifi } = plan.config;
  return {
    propletId: credentials.id,
    apiKey: credentials.apiKey,
    tenant: propeller.tenant,
    channel: propeller.channel,
    brokerHost: broker.host,
    brokerPort: broker.port,
    ...settings,
    wifiSsid: wifi.ssid,
    wifiPsk: wifi.psk,
  };
}
