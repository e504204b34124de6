import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import { HilError } from '../errors.ts';
import { settingKeys } from '../bench/provision.ts';
import { profileSettings } from '../provision/profileSettings.ts';
import { errorText, profileByName, profileForProjectName, PROFILES } from './builtin.ts';
import { profileEvent } from './consoleLines.ts';
import { FirmwareProfileSchema } from './schema.ts';

const upstream = profileByName('upstream-0.5');
const proplet = profileByName('proplet');

test('both built-in profiles satisfy the schema and are found by name and by project name', () => {
  for (const p of Object.values(PROFILES)) expect(FirmwareProfileSchema.safeParse(p).success).toBe(true);
  expect(profileForProjectName('proplet_mqtt_client')?.name).toBe('upstream-0.5');
  expect(profileForProjectName('proplet')?.name).toBe('proplet');
  expect(profileForProjectName('proplet-upstream')).toBeUndefined();
  expect(() => profileByName('upstream-9')).toThrow(HilError);
});

test("upstream's console lines map to harness events, with their fields", () => {
  const line = (level: string, module: string, message: string) => profileEvent(upstream, { level, module, message });
  expect(line('inf', 'main', 'Starting Proplet...')).toEqual({ event: 'boot', fields: {} });
  expect(line('inf', 'mqtt_client', 'MQTT connection accepted by broker')?.event).toBe('mqtt.connected');
  expect(line('inf', 'mqtt_client', 'Starting task: ID=t1, Name=add, Mode=')).toEqual({ event: 'task.received', fields: { id: 't1', name: 'add', mode: '' } });
  expect(line('err', 'mqtt_client', 'MQTT connect failed [-111]. Retrying in 5 seconds...')).toEqual({ event: 'mqtt.connect_failed', fields: { rc: '-111' } });
  expect(line('err', 'wasm_handler', 'Error invoking WASM function: WASM execution failed: Exception: unreachable')?.fields.error).toBe(
    errorText(upstream, 'trap', 'unreachable'),
  );
  // Same words, other module or level: not the event.
  expect(line('inf', 'main', 'MQTT connection accepted by broker')).toBeUndefined();
  expect(line('wrn', 'mqtt_client', 'MQTT connection accepted by broker')).toBeUndefined();
  // Our firmware's lines are read by the contract parser, not by patterns.
  expect(profileEvent(proplet, { level: 'inf', module: 'main', message: 'Starting Proplet version=1.0.0' })).toBeUndefined();
});

test("settings go under each firmware's own key names", () => {
  const s = { brokerHost: '10.0.0.2', brokerPort: 8883, propletId: 'p1', apiKey: 'k', tenant: 'd', channel: 'c', wifiSsid: 'lab' };
  expect(profileSettings(upstream, { ...s, tls: true })).toEqual([
    ['proplet/wifi_ssid', 'lab'],
    ['proplet/proplet_id', 'p1'],
    ['proplet/client_key', 'k'],
    ['proplet/domain_id', 'd'],
    ['proplet/channel_id', 'c'],
    ['proplet/mqtt_broker_host', '10.0.0.2'],
    ['proplet/mqtt_broker_port', '8883'],
    ['proplet/mqtt_tls_enabled', '1'],
  ]);
  // For ours, the same keys the shell provisioning writes.
  expect(profileSettings(proplet, { ...s, keepAliveS: 5 })).toEqual(settingKeys({ ...s, keepAliveS: 5 }).map(([k, v]) => [`proplet/${k}`, v]));
  expect(() => profileSettings(proplet, { ...s, tls: true })).toThrow(/no setting for tlsEnabled/);
  expect(() => profileSettings(upstream, { ...s, keepAliveS: 5 })).toThrow(/no setting for keepAliveS/);
});

test('a board or the firmware names its profile in the bench file; an unknown name is one readable line', async () => {
  const shipped = parse(readFileSync(new URL('../../lab.config.yaml', import.meta.url), 'utf8'));
  const write = (tree: unknown) => {
    const path = join(test.info().outputPath(), 'lab.config.yaml');
    writeFileSync(path, stringify(tree));
    return path;
  };
  const plain = await loadConfig(write(shipped), {});
  expect(plain.firmware.profile).toBe('proplet');
  shipped.firmware.profile = 'upstream-0.5';
  shipped.boards[0].profile = 'proplet';
  const named = await loadConfig(write(shipped), {});
  expect(named.firmware.profile).toBe('upstream-0.5');
  expect(named.boards[0]!.profile).toBe('proplet');
  shipped.boards[0].profile = 'upstream-9';
  const err = await loadConfig(write(shipped), {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).exitCode).toBe(2);
  expect((err as HilError).message).toMatch(/boards\[0\]\.profile.*expected a firmware profile: proplet, upstream-0\.5/);
});
