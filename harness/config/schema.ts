import { z } from 'zod';
import { isLabgridPort, parseLabgridTarget } from '../labgrid/target.ts';
import { PROFILE_NAMES } from '../profiles/builtin.ts';
import { parsePortSpec } from './portSpec.ts';

/**
 * lab.config.yaml, as the single source of the config types. Objects are strict: a typo in a
 * key is an error, never a silently ignored setting. Messages of checks on one value start
 * with "expected" so that issues.ts can append what was found; checks across keys
 * (params.whole) carry their whole message.
 */

// Numbers may come from ${ENV} interpolation, which always yields text.
const fromText = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value);
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess(fromText, z.number().int().min(min).max(max));
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const text = z.string().min(1, { error: 'expected a non-empty string' });
const ms = (fallback: number) => integer(1).default(fallback);

const PORT_FORMS =
  'a device path (/dev/ttyUSB0), serial:<usb serial number>, usb:<bus-port, e.g. 1-1.4>, rfc2217://host:port, virtual, ' +
  'or a labgrid place (labgrid://coordinator[:port]/place or labgrid://coordinator[:port]?tag=value)';
// One grammar for ports: the transport's, which is what will open them.
const isPort = (port: string) => {
  try {
    // A labgrid place is leased for the run; the transport then opens its rfc2217:// port.
    parsePortSpec(port);
    return true;
  } catch {
    return false;
  }
};

/** How the firmware speaks (harness/profiles/): a board's own, or the firmware's for every board. */
const profileName = z.string().refine((name) => PROFILE_NAMES.includes(name), { error: `expected a firmware profile: ${PROFILE_NAMES.join(', ')}` });

/** A board the run itself starts (a virtual ESP32-S3 process); the bench's backends know it as ephemeral. */
export const startedByRun = (port: string) => port === 'virtual';

// Names become file names (transcripts), lock names and log fields.
const boardName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  error: 'expected a board name of letters, digits, "-", "_" or "." (it names files and locks)',
});

// Topic segments: MQTT wildcards or separators would change the topic's meaning.
const topicSegment = z.string().regex(/^[^/+#\s]+$/, { error: 'expected an id without "/", "+", "#" or spaces (it is an MQTT topic segment)' });

export const PowerConfigSchema = z.discriminatedUnion('driver', [
  z.strictObject({ driver: z.literal('virtual') }),
  // EN driven by RTS: a reset rather than a power cut, all a bare dev board offers.
  z.strictObject({ driver: z.literal('rts') }),
  z.strictObject({ driver: z.literal('uhubctl'), hub: text, port: integer(1, 255) }),
  z.strictObject({ driver: z.literal('command'), on: text, off: text }),
  // The labgrid place's own power resource, switched by labgrid (port: labgrid://…).
  z.strictObject({ driver: z.literal('labgrid') }),
]);
export type PowerConfig = z.infer<typeof PowerConfigSchema>;

/** The write baud of the bench's boards, and of `hil flash --port` unless told otherwise. */
export const DEFAULT_FLASH_BAUD = 921600;

export const BoardConfigSchema = z
  .strictObject({
    name: boardName,
    chip: z.literal('esp32s3'),
    port: z.string().refine(isPort, { error: `expected ${PORT_FORMS}` }),
    baud: integer(300).default(115200),
    flashBaud: integer(300).default(DEFAULT_FLASH_BAUD),
    reset: z.enum(['classic', 'usb-jtag', 'none']).default('classic'),
    /** For an rfc2217:// port: which server serves it (docs/esptool-conformance.md); auto detects. */
    rfc2217Server: z.enum(['auto', 'standard', 'ser2net', 'esp_rfc2217_server']).default('auto'),
    power: PowerConfigSchema.optional(),
    /**
     * How the suite's manager writes task inputs: `strings` as the real manager does, `numbers` for
     * firmware that reads only numbers. Default: strings where the firmware's profile takes them.
     */
    taskInputs: z.enum(['strings', 'numbers']).optional(),
    profile: profileName.optional(),
  })
  .transform((board) => ({
    ...board,
    power:
      board.power ??
      (startedByRun(board.port)
        ? { driver: 'virtual' as const }
        : isLabgridPort(board.port)
          ? { driver: 'labgrid' as const }
          : { driver: 'rts' as const }),
  }));
export type BoardConfig = z.infer<typeof BoardConfigSchema>;

export const BrokerConfigSchema = z.strictObject({
  bind: text.default('127.0.0.1'),
  /**
   * Absent (the default): every broker listens on a port the system allocates, so runs on one
   * host never clash. Set: board i's broker listens on basePort + i (labs whose firewall opens
   * fixed ports).
   */
  basePort: integer(1, 65535).optional(),
  /** The address boards dial: this host as the boards' network sees it. */
  advertisedHost: text.default('127.0.0.1'),
  auth: flag.default(true),
  tls: z.strictObject({ cert: text, key: text, port: integer(1, 65535).optional() }).optional(),
  /** An existing broker (e.g. Mosquitto) used instead of the embedded one. */
  external: z
    .strictObject({
      url: z.string().regex(/^(mqtt|mqtts|tcp|ssl|ws|wss):\/\/[^\s]+$/, { error: 'expected a broker URL such as mqtt://host:1883' }),
      username: text.optional(),
      password: text.optional(),
    })
    .optional(),
});
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export const FirmwareConfigSchema = z.strictObject({
  /** One image flashed at 0x0 (Zephyr simple boot). Relative paths are from the config file. */
  image: text.optional(),
  /** A flash manifest (files + offsets), read by harness/flash. */
  manifest: text.optional(),
  expectVersion: text.optional(),
  /** Default: the profile whose project name the image's descriptor carries, else `proplet`. */
  profile: profileName.optional(),
});
export type FirmwareConfig = z.infer<typeof FirmwareConfigSchema>;

export const PropletCredentialsSchema = z.strictObject({ id: topicSegment, apiKey: text });
export type PropletCredentials = z.infer<typeof PropletCredentialsSchema>;

export const PropellerConfigSchema = z.strictObject({
  tenant: topicSegment,
  channel: topicSegment,
  proplets: z.record(z.string(), PropletCredentialsSchema).default({}),
  /** A real Propeller manager on the same broker (broker.external) and channel: the `manager` specs drive it. */
  manager: z
    .strictObject({ url: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, { error: 'expected the manager\'s HTTP API as http://host:port' }) })
    .optional(),
});
export type PropellerConfig = z.infer<typeof PropellerConfigSchema>;

export const TimeoutsConfigSchema = z.strictObject({
  boot: ms(15_000),
  flash: ms(180_000),
  mqttConnect: ms(20_000),
  task: ms(10_000),
  keepAlive: ms(30_000),
  /** How long a run waits for a busy labgrid place before it gives up, naming the holder (default 10 min). */
  placeWait: integer(1).optional(),
});
export type TimeoutsConfig = z.infer<typeof TimeoutsConfigSchema>;

const threshold = z.strictObject({
  maxIncreasePct: z.number().min(0).optional(),
  maxIncreaseAbs: z.number().min(0).optional(),
});

export const LabConfigSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    boards: z.array(BoardConfigSchema).min(1, { error: 'expected at least one board' }),
    broker: BrokerConfigSchema.default(() => BrokerConfigSchema.parse({})),
    firmware: FirmwareConfigSchema,
    propeller: PropellerConfigSchema,
    wifi: z.strictObject({ ssid: text.optional(), psk: text.optional() }).default({}),
    timeouts: TimeoutsConfigSchema.default(() => TimeoutsConfigSchema.parse({})),
    compare: z.strictObject({ thresholds: z.record(z.string(), threshold).default({}) }).optional(),
  })
  .superRefine((config, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message, params: { whole: true } });
    const names = new Map<string, number>();
    const ports = new Map<string, number>();
    config.boards.forEach((board, i) => {
      const sameName = names.get(board.name);
      if (sameName !== undefined) fail(['boards', i, 'name'], `duplicate board name "${board.name}" (also boards[${sameName}].name)`);
      names.set(board.name, i);
      const samePort = ports.get(board.port);
      // A labgrid tag filter names a pool of places: several boards may draw from it.
      const pool = isLabgridPort(board.port) && !parseLabgridTarget(board.port).place;
      if (!startedByRun(board.port) && !pool && samePort !== undefined) {
        fail(['boards', i, 'port'], `port "${board.port}" is also boards[${samePort}].port: one board per port`);
      }
      ports.set(board.port, i);
      if (board.power.driver === 'virtual' && !startedByRun(board.port)) {
        fail(['boards', i, 'power', 'driver'], `power driver "virtual" needs port: virtual; got port "${board.port}"`);
      }
      if (board.power.driver === 'labgrid' && !isLabgridPort(board.port)) {
        fail(['boards', i, 'power', 'driver'], `power driver "labgrid" needs a labgrid port (labgrid://coordinator/place); got port "${board.port}"`);
      }
    });
    for (const key of Object.keys(config.propeller.proplets)) {
      if (!names.has(key)) {
        fail(['propeller', 'proplets', key], `no board named "${key}" (boards: ${[...names.keys()].join(', ')})`);
      }
    }
    const { image, manifest } = config.firmware;
    if (image && manifest) fail(['firmware'], 'expected image or manifest, not both');
    if (!image && !manifest) fail(['firmware'], 'expected image (one file at 0x0) or manifest (files + offsets); got neither');
    const loopback = /^(127\.|localhost$|::1$)/;
    if (!config.broker.external && loopback.test(config.broker.advertisedHost) && config.boards.some((b) => !startedByRun(b.port))) {
      fail(
        ['broker', 'advertisedHost'],
        `expected an address real boards can reach over WiFi; got "${config.broker.advertisedHost}", which is this host's loopback`,
      );
    }
    // Checks across keys only make sense once every key is valid on its own.
  }, { when: (payload) => payload.issues.length === 0 });
export type LabConfig = z.infer<typeof LabConfigSchema>;
