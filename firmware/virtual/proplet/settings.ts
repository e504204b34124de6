import { z } from 'zod';
import { ALIVE_S, KEEPALIVE_S, TASK_TIMEOUT_MS } from './limits.ts';

/** Every key the firmware reads under `proplet/` (CONTRACT.md §2.2). */
export const SETTING_KEYS = [
  'wifi_ssid',
  'wifi_psk',
  'proplet_id',
  'api_key',
  'tenant_id',
  'channel_id',
  'mqtt_broker_host',
  'mqtt_broker_port',
  'keepalive_s',
  'alive_s',
  'task_timeout_ms',
] as const;

/** The virtual board has no radio, so `wifi_ssid` is not required here (CONTRACT.md §2.2). */
export const REQUIRED_KEYS = ['proplet_id', 'api_key', 'tenant_id', 'channel_id', 'mqtt_broker_host', 'mqtt_broker_port'] as const;

const decimal = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .optional()
    .transform((v) => v ?? fallback);

/** The stored strings, parsed once at boot into what the firmware runs with. */
export const ProvisionedSettings = z.object({
  wifi_ssid: z.string().optional().transform((v) => (v ? v : 'virtual')),
  proplet_id: z.string().min(1),
  api_key: z.string().min(1),
  tenant_id: z.string().min(1),
  channel_id: z.string().min(1),
  mqtt_broker_host: z.string().min(1),
  mqtt_broker_port: z.string().regex(/^\d+$/).transform(Number),
  keepalive_s: decimal(KEEPALIVE_S),
  alive_s: decimal(ALIVE_S),
  task_timeout_ms: decimal(TASK_TIMEOUT_MS),
});
export type ProvisionedSettings = z.infer<typeof ProvisionedSettings>;

export function missingKeys(values: Record<string, string>): string[] {
  return REQUIRED_KEYS.filter((k) => !values[k]);
}
