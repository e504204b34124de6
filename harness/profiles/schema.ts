import { z } from 'zod';

/**
 * A firmware profile: how one firmware speaks, as data. The suite and the bring-up read their
 * expectations from it (which lines mean what, how the board is provisioned, which settings
 * keys it reads, whether its broker link is TLS, its error texts and host functions) and which
 * behaviours it has at all: a spec that needs a capability the profile lacks is reported as
 * "not supported by <profile>", never run and never counted as passed.
 */

const regex = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a regular expression' },
);

/** One console line that means a harness event: Zephyr log level, module, and the message as a regex (named groups become fields). */
export const LinePatternSchema = z.strictObject({
  level: z.enum(['err', 'wrn', 'inf']),
  module: z.string().min(1),
  message: regex,
});
export type LinePattern = z.infer<typeof LinePatternSchema>;

/** The harness's event names (harness/console/contractEvents.ts names the `proplet` ones). */
export const EventNameSchema = z.enum([
  'boot',
  'settings.loaded',
  'wifi.connecting',
  'wifi.connected',
  'mqtt.connecting',
  'mqtt.connected',
  'mqtt.subscribed',
  'mqtt.disconnected',
  'mqtt.reconnect',
  'mqtt.connect_failed',
  'mqtt.unknown_topic',
  'discovery.published',
  'task.received',
  'task.rejected',
  'task.started',
  'task.finished',
  'task.failed',
  'task.stopped',
  'task.watchdog',
  'heap',
]);
export type EventName = z.infer<typeof EventNameSchema>;

export const CapabilitySchema = z.enum([
  /** Reconnects after a broker loss (CONTRACT.md §5). */
  'reconnect',
  /** Ends a task that runs too long (task.watchdog). */
  'watchdog',
  /** Ends a running task on a stop message as the real manager sends it ({id, broadcast, proplet_id}). */
  'stop',
  /** Logs the WAMR heap pool (heap lines). */
  'heap-lines',
  /** Runs several tasks at once. */
  'concurrent-tasks',
  /** Takes task inputs as JSON strings, as the real manager sends them. */
  'string-inputs',
  /** Takes a start message over 1 KiB. */
  'large-payload',
  /** Keeps answering MQTT while a task runs (tasks off the MQTT thread). */
  'responsive-while-running',
  /** A settings shell on the console. */
  'shell',
  /** Names the firmware version in its boot line (`boot` has a version). */
  'version-line',
  /** Publishes control/proplet/metrics in the Propeller manager's shape ({timestamp, cpu_metrics, memory_metrics}). */
  'manager-metrics',
  /** Publishes control/proplet/task_metrics. */
  'task-metrics',
]);
export type Capability = z.infer<typeof CapabilitySchema>;

const storage = z.strictObject({
  offset: z.number().int().nonnegative(),
  size: z.number().int().positive(),
  sectorSize: z.number().int().positive(),
  sectorCount: z.number().int().min(2),
  writeBlockSize: z.number().int().positive(),
});

export const FirmwareProfileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  description: z.string().min(1),
  /** Where the facts come from (a document or source files at a release). */
  source: z.string().min(1),
  /** The application descriptor's project_name that identifies an image of this firmware. */
  projectName: z.string().min(1),
  console: z.strictObject({
    /** `contract`: the lines of firmware/CONTRACT.md §2.1; otherwise a pattern per event. */
    events: z.union([z.literal('contract'), z.partialRecord(EventNameSchema, LinePatternSchema)]),
    /** The shell prompt, or null when the firmware has none. */
    prompt: z.string().nullable(),
  }),
  /** Ways to provision, the preferred first. */
  provisioning: z.array(z.enum(['shell', 'settings-image', 'pre-provisioned'])).min(1),
  settings: z.strictObject({
    /** The settings subtree, e.g. `proplet/`. */
    prefix: z.string().regex(/^[a-z0-9_]+\/$/),
    /** The firmware's key for each thing the bench knows. */
    keys: z.strictObject({
      wifiSsid: z.string(),
      wifiPsk: z.string(),
      propletId: z.string(),
      apiKey: z.string(),
      tenant: z.string(),
      channel: z.string(),
      brokerHost: z.string(),
      brokerPort: z.string(),
      tlsEnabled: z.string().optional(),
      tlsClientCert: z.string().optional(),
      tlsClientKey: z.string().optional(),
      keepAliveS: z.string().optional(),
      aliveS: z.string().optional(),
      taskTimeoutMs: z.string().optional(),
    }),
    /** The NVS settings partition, for provisioning by settings image. */
    storage,
  }),
  /** never: plain MQTT only; optional: when the settings ask; always: the firmware dials TLS whatever the settings say. */
  tls: z.enum(['never', 'optional', 'always']),
  /** Error texts published in `error`, `{reason}` standing for WAMR's words. */
  errors: z.strictObject({
    trap: z.string().includes('{reason}'),
    loadFailed: z.string().includes('{reason}'),
  }),
  /** Host functions imported from `env`. */
  hostFunctions: z.array(z.string().min(1)),
  capabilities: z.array(CapabilitySchema),
  /**
   * What the firmware uses for the suite's timing settings when it has no key for them (its
   * compiled-in values): the suite's LWT and alive specs take their bounds from these.
   */
  defaults: z.strictObject({ keepAliveS: z.number().int().positive(), aliveS: z.number().int().positive() }),
  /**
   * The firmware's own words for the harness's rejection reasons (CONTRACT.md §2.1
   * `task.rejected reason=`), as regular expressions over the `reason` of its `task.rejected`
   * line; a reason not listed must be the contract's words exactly.
   */
  rejections: z.record(z.string(), regex).default({}),
  /** Tasks at once; 1 where tasks run on the MQTT thread. */
  taskSlots: z.number().int().positive(),
  /** The largest start message the firmware reads whole. */
  maxPayloadBytes: z.number().int().positive(),
});
export type FirmwareProfile = z.infer<typeof FirmwareProfileSchema>;
