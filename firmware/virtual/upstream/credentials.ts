import type { Chip } from '../app.ts';
import { readNvsSettings, type NvsLayout } from './nvsSettings.ts';

/**
 * Upstream v0.5.0's settings (embed-proplet/src/credentials.c): compiled-in defaults
 * (main.c), each replaced by the `proplet/<key>` setting when one is stored. Lengths are cut
 * as creds_set_cb cuts them (CRED_MAX_LEN 64, CRED_HOST_LEN 128, CRED_CERT_LEN 2048, minus
 * the terminating NUL).
 */
export interface Credentials {
  wifi_ssid: string;
  wifi_psk: string;
  proplet_id: string;
  client_key: string;
  domain_id: string;
  channel_id: string;
  mqtt_broker_host: string;
  mqtt_broker_port: number;
  mqtt_tls_enabled: boolean;
  tls_client_cert: string;
  tls_client_key: string;
}

export const DEFAULTS: Credentials = {
  wifi_ssid: '<YOUR_WIFI_SSID>',
  wifi_psk: '<YOUR_WIFI_PSK>',
  proplet_id: '<YOUR_PROPLET_ID>',
  client_key: '<YOUR_CLIENT_KEY>',
  domain_id: '<YOUR_DOMAIN_ID>',
  channel_id: '<YOUR_CHANNEL_ID>',
  mqtt_broker_host: '10.42.0.1',
  mqtt_broker_port: 1883,
  mqtt_tls_enabled: false,
  tls_client_cert: '',
  tls_client_key: '',
};

/**
 * Zephyr's storage_partition for esp32s3_devkitc (procpu, no MCUboot; partitions_0x0_amp_4M.dtsi)
 * divided as the NVS settings backend divides it: 8 sectors of one 4096-byte flash page,
 * 4-byte write blocks.
 */
export const STORAGE: NvsLayout = { offset: 0x3b0000, sectorSize: 4096, sectorCount: 8, writeBlockSize: 4 };

const text = (value: Buffer, max: number) => value.subarray(0, max).toString('latin1');

/** The credentials the firmware boots with. */
export function loadCredentials(flash: Pick<Chip, 'flashRead'>): Credentials {
  const creds = { ...DEFAULTS };
  for (const [name, value] of readNvsSettings((o, l) => flash.flashRead(o, l), STORAGE)) {
    if (!name.startsWith('proplet/')) continue;
    const key = name.slice('proplet/'.length);
    switch (key) {
      case 'wifi_ssid':
      case 'wifi_psk':
      case 'proplet_id':
      case 'client_key':
      case 'domain_id':
      case 'channel_id':
        creds[key] = text(value, 63);
        break;
      case 'mqtt_broker_host':
        creds.mqtt_broker_host = text(value, 127);
        break;
      case 'mqtt_broker_port': {
        // strtoul of at most 7 characters, cast to uint16_t.
        const digits = /^\s*\+?(\d*)/.exec(text(value, 7))![1]!;
        creds.mqtt_broker_port = digits === '' ? 0 : Number(digits) & 0xffff;
        break;
      }
      case 'mqtt_tls_enabled':
        creds.mqtt_tls_enabled = ['1', 't', 'T'].includes(text(value, 1));
        break;
      case 'tls_client_cert':
      case 'tls_client_key':
        creds[key] = text(value, 2047);
        break;
    }
  }
  return creds;
}
