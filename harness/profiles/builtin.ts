import { HilError } from '../errors.ts';
import { FirmwareProfileSchema, type FirmwareProfile } from './schema.ts';

/**
 * The profiles the harness knows. `proplet` is firmware/CONTRACT.md; `upstream-0.5` is
 * absmach/propeller embed-proplet/ at tag v0.5.0, each fact cited to file and line in
 * docs/upstream-firmware.md.
 */

const proplet = FirmwareProfileSchema.parse({
  name: 'proplet',
  description: 'our embedded proplet (firmware/zephyr), as firmware/CONTRACT.md describes it',
  source: 'firmware/CONTRACT.md',
  projectName: 'proplet',
  console: { events: 'contract', prompt: 'uart:~$ ' },
  provisioning: ['shell', 'settings-image'],
  settings: {
    prefix: 'proplet/',
    keys: {
      wifiSsid: 'wifi_ssid',
      wifiPsk: 'wifi_psk',
      propletId: 'proplet_id',
      apiKey: 'api_key',
      tenant: 'tenant_id',
      channel: 'channel_id',
      brokerHost: 'mqtt_broker_host',
      brokerPort: 'mqtt_broker_port',
      keepAliveS: 'keepalive_s',
      aliveS: 'alive_s',
      taskTimeoutMs: 'task_timeout_ms',
    },
    // CONTRACT.md §2.2 and firmware/zephyr/boards/*.overlay: 64 KiB at 0x3F0000.
    storage: { offset: 0x3f0000, size: 0x10000, sectorSize: 4096, sectorCount: 8, writeBlockSize: 4 },
  },
  tls: 'never',
  errors: { trap: 'Exception: {reason}', loadFailed: 'WASM module load failed: {reason}' },
  hostFunctions: ['proplet_log', 'proplet_input_count', 'proplet_input', 'publish_results'],
  capabilities: [
    'reconnect',
    'watchdog',
    'stop',
    'heap-lines',
    'concurrent-tasks',
    'string-inputs',
    'large-payload',
    'responsive-while-running',
    'shell',
    'version-line',
  ],
  // CONTRACT.md §1.
  defaults: { keepAliveS: 30, aliveS: 10 },
  taskSlots: 4,
  maxPayloadBytes: 16384,
});

const mqtt = (message: string) => ({ level: 'inf' as const, module: 'mqtt_client', message });

const upstream05 = FirmwareProfileSchema.parse({
  name: 'upstream-0.5',
  description: "upstream's embedded proplet, release v0.5.0 (absmach/propeller embed-proplet/)",
  source: 'absmach/propeller v0.5.0 embed-proplet/ (docs/upstream-firmware.md)',
  projectName: 'proplet_mqtt_client',
  console: {
    events: {
      boot: { level: 'inf', module: 'main', message: '^Starting Proplet\\.\\.\\.$' },
      'wifi.connecting': { level: 'inf', module: 'wifi_manager', message: '^Connecting to Wi-Fi: (?<ssid>.*)$' },
      'wifi.connected': { level: 'inf', module: 'wifi_manager', message: '^Connected to Wi-Fi: (?<ssid>.*)$' },
      'mqtt.connecting': mqtt('^Attempting to connect to the MQTT broker\\.\\.\\.$'),
      'mqtt.connected': mqtt('^MQTT connection accepted by broker$'),
      'mqtt.subscribed': mqtt('^Successfully subscribed to topics for channel ID: (?<channel>.*)$'),
      'mqtt.disconnected': mqtt('^Disconnected from MQTT broker$'),
      'mqtt.connect_failed': { level: 'err', module: 'mqtt_client', message: '^MQTT connect failed \\[(?<rc>-?\\d+)\\]\\. Retrying in 5 seconds\\.\\.\\.$' },
      'discovery.published': mqtt('^Discovery published successfully to topic: (?<topic>.*)$'),
      'task.received': mqtt('^Starting task: ID=(?<id>.*), Name=(?<name>.*), Mode=(?<mode>.*)$'),
      'task.rejected': { level: 'err', module: 'mqtt_client', message: '^(?<reason>JSON parsing error before: .*|Invalid or missing .*|Failed to parse JSON payload)$' },
      'mqtt.unknown_topic': { level: 'wrn', module: 'mqtt_client', message: '^Unknown topic$' },
      'task.finished': mqtt('^Published results for task: (?<id>.*)$'),
      'task.failed': { level: 'err', module: 'wasm_handler', message: '^Error invoking WASM function: (?<error>.*)$' },
    },
    prompt: null,
  },
  provisioning: ['settings-image', 'pre-provisioned'],
  settings: {
    prefix: 'proplet/',
    keys: {
      wifiSsid: 'wifi_ssid',
      wifiPsk: 'wifi_psk',
      propletId: 'proplet_id',
      apiKey: 'client_key',
      tenant: 'domain_id',
      channel: 'channel_id',
      brokerHost: 'mqtt_broker_host',
      brokerPort: 'mqtt_broker_port',
      tlsEnabled: 'mqtt_tls_enabled',
      tlsClientCert: 'tls_client_cert',
      tlsClientKey: 'tls_client_key',
    },
    // Zephyr's esp32s3_devkitc procpu storage_partition, split by the settings NVS backend.
    storage: { offset: 0x3b0000, size: 0x30000, sectorSize: 4096, sectorCount: 8, writeBlockSize: 4 },
  },
  // prj.conf enables CONFIG_MQTT_LIB_TLS, and mqtt_client.c then always dials TLS.
  tls: 'always',
  errors: { trap: 'WASM execution failed: Exception: {reason}', loadFailed: 'WASM module load failed: {reason}' },
  hostFunctions: ['get_proplet_id', 'get_model_data', 'get_dataset_data'],
  capabilities: ['manager-metrics'],
  // prj.conf CONFIG_MQTT_KEEPALIVE=30; main.c publishes alive every 10 s.
  defaults: { keepAliveS: 30, aliveS: 10 },
  // mqtt_client.c: cJSON_Parse fails, or a mandatory string field is absent.
  rejections: { 'invalid JSON': '^JSON parsing error before: ', 'missing id': '^Invalid or missing mandatory fields in JSON payload$' },
  taskSlots: 1,
  maxPayloadBytes: 1023,
});

export const PROFILES: Readonly<Record<string, FirmwareProfile>> = { [proplet.name]: proplet, [upstream05.name]: upstream05 };

export const PROFILE_NAMES = Object.keys(PROFILES);

export function profileByName(name: string): FirmwareProfile {
  const found = PROFILES[name];
  if (!found) throw new HilError(`no firmware profile "${name}"`, `known profiles: ${PROFILE_NAMES.join(', ')}`, 2);
  return found;
}

/** The profile whose images carry this project_name, if any. */
export function profileForProjectName(projectName: string): FirmwareProfile | undefined {
  return Object.values(PROFILES).find((p) => p.projectName === projectName);
}

/** Whether a `task.rejected` reason is the profile's words for the harness's `expected` reason. */
export function rejectionMatches(profile: FirmwareProfile, expected: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  const pattern = profile.rejections[expected];
  return pattern === undefined ? reason === expected : new RegExp(pattern).test(reason);
}

/**
 * The error a profile's firmware publishes where CONTRACT.md §4 publishes `contractError`: a
 * trap and a load failure in the profile's words; every other error is the contract's text,
 * which a firmware that words it otherwise fails on.
 */
export function expectedError(profile: FirmwareProfile, contractError: string): string {
  const trap = /^Exception: (.*)$/s.exec(contractError);
  if (trap) return errorText(profile, 'trap', trap[1]!);
  const load = /^WASM module load failed: (.*)$/s.exec(contractError);
  if (load) return errorText(profile, 'loadFailed', load[1]!);
  return contractError;
}

/** The error text a profile publishes for a WAMR reason. */
export function errorText(profile: FirmwareProfile, kind: keyof FirmwareProfile['errors'], reason: string): string {
  return profile.errors[kind].replace('{reason}', reason);
}
