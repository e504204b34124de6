import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import { HilError } from '../errors.ts';
import { settingKeys } from '../bench/provision.ts';
import { profileSettings } from '../provision/profileSettings.ts';
import { profileFor, type BenchPlan } from '../bench/plan.ts';
import { profileBenchSettings, suiteProvisioning } from '../bench/settings.ts';
import { ConsoleParser } from '../console/parser.ts';
import { errorText, expectedError, profileByName, profileForProjectName, PROFILES, rejectionMatches } from './builtin.ts';
import { profileEvent } from './consoleLines.ts';
import { FirmwareProfileSchema } from './schema.ts';
import { missingHostFunctions } from './unsupported.ts';

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
  expect(plain.firmware.profile, 'unsaid: the image decides (profileFor)').toBeUndefined();
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

test("the profile comes from the board, else the bench file's firmware, else the image's project name", async () => {
  const config = await loadConfig(new URL('../../lab.config.yaml', import.meta.url).pathname, {});
  const board = config.boards[0]!;
  const plan = (projectName: string, firmwareProfile?: string): BenchPlan => ({
    kind: 'virtual',
    configPath: 'lab.config.yaml',
    config: { ...config, firmware: { ...config.firmware, profile: firmwareProfile } },
    boards: [board],
    firmware: { source: 'x.bin', regions: [], app: { projectName, version: '0.5.0' } as NonNullable<BenchPlan['firmware']['app']> },
    expectVersion: '0.5.0',
  });
  expect(profileFor(plan('proplet_mqtt_client'), board).name).toBe('upstream-0.5');
  expect(profileFor(plan('proplet'), board).name).toBe('proplet');
  expect(profileFor(plan('something-else'), board).name, 'an unknown image is read as ours').toBe('proplet');
  expect(profileFor(plan('proplet_mqtt_client', 'proplet'), board).name, 'the bench file wins over the image').toBe('proplet');
  expect(profileFor(plan('proplet'), { ...board, profile: 'upstream-0.5' }).name, "the board's own wins").toBe('upstream-0.5');
});

test('under a pattern profile the console reads the firmware\'s own lines as harness events; ours are not read as upstream\'s', () => {
  const lines = (profile: typeof upstream, text: string) =>
    new ConsoleParser(profile).push(Buffer.from(text), 0).filter((e) => e.kind !== 'line' && e.kind !== 'zephyr.log');
  const up = lines(
    upstream,
    '[00:00:00.012,879] <inf> main: Starting Proplet...\r\n' +
      '[00:00:06.100,000] <inf> mqtt_client: MQTT connection accepted by broker\r\n' +
      '[00:00:07.000,000] <inf> mqtt_client: Published results for task: t1\r\n' +
      '[00:00:07.100,000] <err> mqtt_client: JSON parsing error before: x\r\n',
  );
  expect(up.map((e) => e.kind)).toEqual(['boot', 'mqtt.connected', 'task.finished', 'task.rejected']);
  expect(up[0]).toMatchObject({ kind: 'boot' });
  expect(up[0]!.kind === 'boot' && up[0]!.version, 'no version on upstream\'s boot line').toBeUndefined();
  expect(up[2]).toMatchObject({ id: 't1' });
  expect(up[3]).toMatchObject({ reason: 'JSON parsing error before: x' });
  // Our lines mean nothing under upstream's profile, and upstream's nothing under ours.
  expect(lines(upstream, '[00:00:00.010,000] <inf> main: Starting Proplet version=1.0.0\r\n')).toEqual([]);
  expect(lines(proplet, '[00:00:00.010,000] <inf> mqtt_client: MQTT connection accepted by broker\r\n')).toEqual([]);
  expect(lines(proplet, '[00:00:00.010,000] <inf> main: Starting Proplet version=1.0.0\r\n')).toMatchObject([{ kind: 'boot', version: '1.0.0' }]);
});

test('specs take error texts and rejection words from the profile', () => {
  expect(expectedError(proplet, 'Exception: unreachable')).toBe('Exception: unreachable');
  expect(expectedError(upstream, 'Exception: unreachable')).toBe('WASM execution failed: Exception: unreachable');
  expect(expectedError(upstream, 'WASM module load failed: magic header not detected')).toBe('WASM module load failed: magic header not detected');
  expect(expectedError(upstream, 'invalid task: name too long'), 'our own words stay ours').toBe('invalid task: name too long');
  expect(rejectionMatches(proplet, 'invalid JSON', 'invalid JSON')).toBe(true);
  expect(rejectionMatches(proplet, 'invalid JSON', 'JSON parsing error before: x')).toBe(false);
  expect(rejectionMatches(upstream, 'invalid JSON', 'JSON parsing error before: x')).toBe(true);
  expect(rejectionMatches(upstream, 'id too long', 'JSON parsing error before: x')).toBe(false);
  expect(rejectionMatches(upstream, 'invalid JSON', undefined)).toBe(false);
});

test("a module importing our host functions is not supported by upstream's; an import no firmware has is every firmware's error", () => {
  const wasm = (imports: string[]) => {
    // (module (import "env" name (func)) ...): the type section, then one import per name.
    const name = (s: string) => [s.length, ...Buffer.from(s)];
    const entries = imports.flatMap((n) => [...name('env'), ...name(n), 0x00, 0x00]);
    const importSection = [imports.length, ...entries];
    return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, importSection.length, ...importSection]);
  };
  expect(missingHostFunctions(upstream, wasm(['proplet_input', 'get_proplet_id', 'no_such_function']))).toEqual(['proplet_input']);
  expect(missingHostFunctions(proplet, wasm(['proplet_input', 'no_such_function']))).toEqual([]);
  expect(missingHostFunctions(proplet, wasm(['get_proplet_id']))).toEqual(['get_proplet_id']);
});

test("a board runs with the suite's timing settings where its firmware has keys for them, else with the firmware's own", async () => {
  const suite = { keepAliveS: 3, aliveS: 1, taskTimeoutMs: 5000 };
  expect(profileBenchSettings(suite, proplet)).toEqual(suite);
  expect(profileBenchSettings(suite, upstream)).toEqual({ keepAliveS: 30, aliveS: 10, taskTimeoutMs: 5000 });
  const config = await loadConfig(new URL('../../lab.config.yaml', import.meta.url).pathname, {});
  const plan = { config } as BenchPlan;
  const broker = { host: '127.0.0.1', port: 8883 };
  const up = suiteProvisioning(plan, { id: 'p', apiKey: 'k' }, broker, suite, upstream);
  expect(up).not.toHaveProperty('keepAliveS');
  expect(up.tls, 'upstream is told to use TLS').toBe(true);
  expect(() => profileSettings(upstream, up), 'nothing upstream cannot read').not.toThrow();
  const ours = suiteProvisioning(plan, { id: 'p', apiKey: 'k' }, broker, suite, proplet);
  expect(ours).toMatchObject({ keepAliveS: 3, aliveS: 1, taskTimeoutMs: 5000 });
  expect(ours).not.toHaveProperty('tls');
});
