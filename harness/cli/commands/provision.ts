import { parseArgs } from 'node:util';
import { openBoard } from '../../bench/board.ts';
import { ProvisionSettings } from '../../bench/provision.ts';
import { BoardStrategy } from '../../bench/strategy.ts';
import { HilError } from '../../errors.ts';
import { imageTarget, writeSettingsImageFiles } from '../../provision/settingsImageFiles.ts';
import type { Command } from '../command.ts';
import { integerOption } from '../options.ts';
import { configTarget, defaultTranscript, portTarget, type Target } from '../target.ts';

const USAGE = `usage: hil provision (--board NAME | --port URL) --broker-host HOST --broker-port N
                     --proplet-id ID --api-key KEY --tenant ID --channel ID
                     [--wifi-ssid SSID --wifi-psk PSK] [--keepalive S] [--alive S]
                     [--task-timeout MS] [--baud N] [--timeout MS] [--transcript FILE]
       hil provision --settings-image OUT [--board NAME] [--profile NAME] [--firmware IMAGE]
                     [--tls] --broker-host HOST --broker-port N --proplet-id ID --api-key KEY …

Writes a proplet's settings over its console with Zephyr's settings shell
(settings write string proplet/<key> <value>), reads each back, and reboots the board with
kernel reboot cold; succeeds once the firmware boots again.

  --board NAME       a board from the config (its port and baud); --tenant, --channel,
                     --wifi-*, --proplet-id and --api-key default to the config's values
  --port URL         a port not in the config: /dev/ttyUSB0, serial:<usb serial>,
                     usb:<bus-port> or rfc2217://host:port (hil virtual start prints one)
  --keepalive S, --alive S, --task-timeout MS
                     the firmware's MQTT keep-alive, alive interval and task watchdog
                     (absent: the firmware's defaults, 30 s, 10 s, 10000 ms)
  --timeout MS       per shell command, and for the reboot (default 10000)
  --transcript FILE  where the console transcript goes (default .hil/provision/<name>-<time>.log)

  --settings-image OUT  write no console: write the settings as a Zephyr settings-NVS
                     partition image to OUT instead (for a firmware without a shell, e.g.
                     upstream's); with --firmware IMAGE also OUT's .manifest.yaml, which
                     hil flash --manifest writes (firmware at 0x0, settings at the partition)
  --profile NAME     the firmware's profile: proplet or upstream-0.5 (default: the board's,
                     else firmware.profile from the config); it names the keys and the partition
  --tls              set the firmware's TLS setting (upstream: mqtt_tls_enabled=1)

exit codes: 0 provisioned, 1 the board refused or did not answer, 2 usage or configuration error`;

/** The option that sets each setting, for error messages. */
const FLAGS: Record<keyof ProvisionSettings, string> = {
  brokerHost: '--broker-host',
  brokerPort: '--broker-port',
  propletId: '--proplet-id',
  apiKey: '--api-key',
  tenant: '--tenant',
  channel: '--channel',
  wifiSsid: '--wifi-ssid',
  wifiPsk: '--wifi-psk',
  keepAliveS: '--keepalive',
  aliveS: '--alive',
  taskTimeoutMs: '--task-timeout',
};

/** The settings a board from the bench file starts with; the options override them. */
function configDefaults(target: Target): Partial<Record<'tenant' | 'channel' | 'wifiSsid' | 'wifiPsk' | 'propletId' | 'apiKey', string>> {
  const { config, board } = target;
  if (!config) return {};
  const proplet = config.propeller.proplets[board.name];
  return {
    tenant: config.propeller.tenant,
    channel: config.propeller.channel,
    wifiSsid: config.wifi.ssid,
    wifiPsk: config.wifi.psk,
    propletId: proplet?.id,
    apiKey: proplet?.apiKey,
  };
}

export const provisionCommand: Command = {
  name: 'provision',
  summary: "write a proplet's broker, identity and WiFi settings over its console and reboot it",
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: {
        board: { type: 'string' },
        port: { type: 'string' },
        'broker-host': { type: 'string' },
        'broker-port': { type: 'string' },
        'proplet-id': { type: 'string' },
        'api-key': { type: 'string' },
        tenant: { type: 'string' },
        channel: { type: 'string' },
        'wifi-ssid': { type: 'string' },
        'wifi-psk': { type: 'string' },
        keepalive: { type: 'string' },
        alive: { type: 'string' },
        'task-timeout': { type: 'string' },
        baud: { type: 'string' },
        timeout: { type: 'string', default: '10000' },
        transcript: { type: 'string' },
        'settings-image': { type: 'string' },
        profile: { type: 'string' },
        firmware: { type: 'string' },
        tls: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new HilError(`unexpected argument "${positionals[0]}"`, 'run hil provision --help', 2);
    const imageOut = values['settings-image'];
    if (imageOut === undefined && (values.profile ?? values.firmware ?? values.tls) !== undefined) {
      throw new HilError('--profile, --firmware and --tls go with --settings-image', 'run hil provision --help', 2);
    }
    const image = imageOut === undefined ? undefined : await imageTarget(values.board, values.profile, ctx.configPath);
    if (!image && (values.board === undefined) === (values.port === undefined)) throw new HilError('give --board NAME or --port URL (one of them)', 'run hil provision --help', 2);
    const int = (name: string, value: string | undefined, unit?: string) => integerOption(name, value, { command: 'provision', ...(unit ? { unit } : {}) });
    const baud = int('baud', values.baud);
    const target = image
      ? undefined
      : values.port
        ? portTarget(values.port, baud !== undefined ? { baud } : {})
        : await configTarget(values.board!, ctx, { attachOnly: 'start one with hil virtual start and give its rfc2217:// address as --port', orElse: 'or give --port' });
    const defaults = image?.defaults ?? configDefaults(target!);
    const parsed = ProvisionSettings.safeParse({
      brokerHost: values['broker-host'],
      brokerPort: values['broker-port'],
      propletId: values['proplet-id'] ?? defaults.propletId,
      apiKey: values['api-key'] ?? defaults.apiKey,
      tenant: values.tenant ?? defaults.tenant,
      channel: values.channel ?? defaults.channel,
      wifiSsid: values['wifi-ssid'] ?? defaults.wifiSsid,
      wifiPsk: values['wifi-psk'] ?? defaults.wifiPsk,
      keepAliveS: values.keepalive,
      aliveS: values.alive,
      taskTimeoutMs: values['task-timeout'],
    });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${FLAGS[i.path[0] as keyof ProvisionSettings]}: ${i.message}`);
      throw new HilError(`bad or missing options: ${issues.join('; ')}`, 'run hil provision --help', 2);
    }
    if (image) {
      const written = writeSettingsImageFiles(imageOut!, image.profile, { ...parsed.data, ...(values.tls ? { tls: true } : {}) }, values.firmware);
      ctx.log.info(
        { image: written.image, offset: `0x${written.offset.toString(16)}`, keys: written.keys, ...(written.manifest ? { manifest: written.manifest } : {}) },
        written.manifest
          ? `wrote ${written.image} and ${written.manifest}; flash both with: hil flash --manifest ${written.manifest}`
          : `wrote ${written.image}; flash it at 0x${written.offset.toString(16)} with the firmware`,
      );
      return 0;
    }
    const timeout = int('timeout', values.timeout, 'milliseconds')!;
    const name = target!.board.name;
    const transcriptPath = values.transcript ?? defaultTranscript('provision', name);

    const board = await openBoard(target!.board, {
      ...(target!.config ? { config: target!.config } : {}),
      configPath: ctx.configPath,
      transcriptPath,
      log: ctx.log,
      ...(baud !== undefined ? { baud } : {}),
    });
    try {
      // The board runs its firmware already: provisioning starts from there, bounded per step by --timeout.
      const strategy = new BoardStrategy(board, { timeouts: { boot: timeout, flash: timeout, mqttConnect: timeout }, log: ctx.log.child({ board: name }) });
      const boot = await strategy.provision(parsed.data);
      ctx.log.info({ board: name, port: board.transport.url, version: boot.version, transcript: transcriptPath }, `provisioned ${name}; firmware ${boot.version} rebooted`);
      return 0;
    } finally {
      await board.close();
    }
  },
};
