import type { App, AppDescriptor, Chip } from '../app.ts';
import { ZephyrConsole } from './console.ts';
import { HEAP_POOL_BYTES, METRICS_S, TASK_SLOTS, ZEPHYR_VERSION } from './limits.ts';
import { MqttLink } from './mqttLink.ts';
import { missingKeys, ProvisionedSettings, SETTING_KEYS } from './settings.ts';
import { SettingsStore } from './settingsStore.ts';
import { Shell } from './shell.ts';
import { addressedElsewhere, isRejection, parseRegistryReply, parseStart, parseStop, type StartTask } from './taskMessage.ts';
import { HeapPool } from './heapPool.ts';
import { logHeap, TaskRunner } from './taskRunner.ts';

/** The virtual board has no radio: WiFi and DHCP are modelled, the broker is reached over loopback. */
const VIRTUAL_IP = '127.0.0.1';
/** Pauses between boot stages, so the console reads like a board coming up. */
const STAGE_MS = 20;

/**
 * The proplet firmware on a virtual chip: boot events, the settings shell, WiFi/DHCP stand-ins,
 * the MQTT session and the task runner, all on the chip's UART and flash.
 */
export class Proplet implements App {
  private readonly console: ZephyrConsole;
  private readonly store: SettingsStore;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly intervals = new Map<string, NodeJS.Timeout>();
  private readonly pool = new HeapPool();
  private settingsInUse?: ProvisionedSettings;
  private link?: MqttLink;
  private runner?: TaskRunner;
  /** Start messages waiting for their module from the registry, by `image_url`. */
  private readonly fetches = new Map<string, StartTask>();
  private stopped = false;

  constructor(
    private readonly chip: Chip,
    private readonly descriptor: AppDescriptor,
  ) {
    this.console = new ZephyrConsole(chip);
    this.store = new SettingsStore(chip);
    const shell = new Shell(this.console, this.store, () => chip.softwareReset());
    chip.onUartData((data) => shell.input(data));
    this.boot();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const name of [...this.intervals.keys()]) this.clearEvery(name);
    this.link?.stop();
    this.runner?.shutdown();
  }

  private boot(): void {
    this.console.write(`*** Booting Zephyr OS build ${ZEPHYR_VERSION} ***\r\n`);
    this.console.log('inf', 'main', `Starting Proplet version=${this.descriptor.version}`);
    this.console.log('inf', 'wasm', `WAMR runtime ready pool=${HEAP_POOL_BYTES} slots=${TASK_SLOTS}`);
    logHeap(this.console, this.pool);
    const values = this.storedSettings();
    const missing = missingKeys(values);
    const parsed = ProvisionedSettings.safeParse(values);
    if (missing.length > 0 || !parsed.success) {
      const bad = missing.length > 0 ? missing : [...new Set(parsed.error!.issues.map((i) => String(i.path[0])))];
      this.console.log('err', 'main', `Settings missing keys=${bad.join(',')} (provision with the shell)`);
      this.console.prompt();
      return;
    }
    const settings = parsed.data;
    this.console.log('inf', 'main', `Settings loaded proplet_id=${settings.proplet_id} broker=${settings.mqtt_broker_host}:${settings.mqtt_broker_port}`);
    this.console.prompt();
    this.settingsInUse = settings;
    this.runner = new TaskRunner(
      this.console,
      this.pool,
      (result) => this.link?.publish('control/proplet/results', result),
      settings.task_timeout_ms,
      (id, runMs) =>
        this.link?.publish('control/proplet/task_metrics', {
          task_id: id,
          proplet_id: settings.proplet_id,
          timestamp: new Date().toISOString(),
          metrics: { uptime_seconds: Math.floor(runMs / 1000), thread_count: 1 },
        }),
    );
    this.link = new MqttLink({
      settings,
      console: this.console,
      onConnected: () => this.online(),
      onDisconnected: () => this.offline(),
      onMessage: (suffix, topic, payload) => this.message(suffix, topic, payload),
      connect: (host, port) => this.chip.connect(host, port),
    });
    const link = this.link;
    this.after(STAGE_MS, () => {
      this.console.log('inf', 'wifi', `Connecting ssid=${settings.wifi_ssid}`);
      this.after(STAGE_MS, () => {
        this.console.log('inf', 'wifi', `WiFi connected ssid=${settings.wifi_ssid}`);
        this.after(STAGE_MS, () => {
          this.console.log('inf', 'wifi', `DHCP bound address=${VIRTUAL_IP}`);
          link.start();
        });
      });
    });
  }

  /** The `proplet/` subtree of the stored settings, by bare key. */
  private storedSettings(): Record<string, string> {
    const stored = this.store.load();
    const values: Record<string, string> = {};
    for (const key of SETTING_KEYS) {
      const value = stored[`proplet/${key}`];
      if (value !== undefined) values[key] = value;
    }
    return values;
  }

  private online(): void {
    const link = this.link!;
    const s = this.settingsInUse!;
    const mac = this.chip.mac;
    link.publish('control/proplet/create', {
      proplet_id: s.proplet_id,
      namespace: 'embedded',
      metadata: {
        description: 'Propeller embedded proplet',
        tags: ['esp32s3', 'zephyr', 'wamr'],
        location: '',
        ip: VIRTUAL_IP,
        environment: 'embedded',
        os: 'zephyr',
        hostname: `proplet-${mac.subarray(mac.length - 3).toString('hex')}`,
        cpu_arch: 'xtensa',
        total_memory_bytes: HEAP_POOL_BYTES,
        proplet_version: this.descriptor.version,
        wasm_runtime: 'wamr',
      },
    });
    const alive = () => link.publish('control/proplet/alive', { status: 'alive', proplet_id: s.proplet_id, namespace: 'embedded' });
    alive();
    this.every('alive', s.alive_s * 1000, alive);
    this.every('metrics', METRICS_S * 1000, () => this.metrics());
  }

  private offline(): void {
    this.clearEvery('alive');
    this.clearEvery('metrics');
  }

  private metrics(): void {
    const runner = this.runner!;
    const pool = this.pool;
    // The shape the real manager stores (CONTRACT.md §3); the heap is the WAMR pool.
    this.link!.publish('control/proplet/metrics', {
      proplet_id: this.settingsInUse!.proplet_id,
      namespace: 'embedded',
      timestamp: new Date().toISOString(),
      cpu_metrics: {},
      memory_metrics: {
        rss_bytes: pool.used,
        heap_alloc_bytes: pool.used,
        heap_sys_bytes: pool.total,
        heap_inuse_bytes: pool.used,
        heap_free_bytes: pool.free,
        heap_high_bytes: pool.high,
      },
      tasks: { ...runner.counters },
    });
  }

  private message(suffix: string, topic: string, payload: Buffer): void {
    const runner = this.runner!;
    const addressed = suffix === 'control/manager/start' || suffix === 'control/manager/stop';
    const other = addressed && addressedElsewhere(payload, this.settingsInUse!.proplet_id);
    if (other) return this.console.log('inf', 'mqtt', `Task for another proplet id=${other.id} proplet_id=${other.propletId}`);
    if (suffix === 'control/manager/start') {
      const task = parseStart(payload);
      if (isRejection(task)) return runner.reject(task);
      this.console.log('inf', 'wasm', `Task received id=${task.id} name=${task.name} wasm_bytes=${task.wasm?.length ?? 0} inputs=${task.inputs.length}`);
      if (task.wasm) return runner.start({ ...task, wasm: task.wasm });
      this.fetches.set(task.imageUrl!, task);
      this.link!.publish('registry/proplet', { app_name: task.imageUrl });
    } else if (suffix === 'control/manager/stop') {
      const stop = parseStop(payload);
      if (isRejection(stop)) return runner.reject(stop);
      if (!runner.stop(stop.id)) runner.reject({ id: stop.id, reason: 'unknown task' });
    } else if (suffix === 'registry/server') {
      const reply = parseRegistryReply(payload);
      const task = reply && this.fetches.get(reply.app_name);
      if (!reply || !task) return this.console.log('wrn', 'mqtt', `Ignoring message topic=${topic}`);
      this.fetches.delete(reply.app_name);
      runner.start({ ...task, wasm: Buffer.from(reply.data, 'base64') });
    } else {
      this.console.log('wrn', 'mqtt', `Ignoring message topic=${topic}`);
    }
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private every(name: string, ms: number, fn: () => void): void {
    this.clearEvery(name);
    this.intervals.set(name, setInterval(fn, ms));
  }

  private clearEvery(name: string): void {
    clearInterval(this.intervals.get(name));
    this.intervals.delete(name);
  }
}
