import { ProvisionSettings } from '../bench/provision.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';

export interface ImageSettings extends ProvisionSettings {
  /** For firmware whose TLS is optional: ask for it. */
  tls?: boolean;
  /** PEM text for mutual TLS, where the firmware reads a client certificate from its settings. */
  tlsClientCert?: string;
  tlsClientKey?: string;
}

/**
 * The full setting names and values a profile's firmware reads, in the order they are saved.
 * A value the firmware has no key for is refused rather than dropped, so a bench never believes
 * it set something the firmware cannot read.
 */
export function profileSettings(profile: FirmwareProfile, input: ImageSettings): [string, string][] {
  const { keys, prefix } = profile.settings;
  const parsed = ProvisionSettings.parse(input);
  const s = { ...parsed, tls: input.tls, tlsClientCert: input.tlsClientCert, tlsClientKey: input.tlsClientKey };
  const wanted: [keyof typeof keys, string | number | boolean | undefined][] = [
    ['wifiSsid', s.wifiSsid],
    ['wifiPsk', s.wifiPsk],
    ['propletId', s.propletId],
    ['apiKey', s.apiKey],
    ['tenant', s.tenant],
    ['channel', s.channel],
    ['brokerHost', s.brokerHost],
    ['brokerPort', s.brokerPort],
    ['tlsEnabled', s.tls === undefined ? undefined : s.tls ? '1' : '0'],
    ['tlsClientCert', s.tlsClientCert],
    ['tlsClientKey', s.tlsClientKey],
    ['keepAliveS', s.keepAliveS],
    ['aliveS', s.aliveS],
    ['taskTimeoutMs', s.taskTimeoutMs],
  ];
  const out: [string, string][] = [];
  for (const [what, value] of wanted) {
    if (value === undefined || value === '') continue;
    const key = keys[what];
    if (key === undefined) throw new RangeError(`firmware profile ${profile.name} has no setting for ${what}`);
    out.push([`${prefix}${key}`, String(value)]);
  }
  return out;
}
