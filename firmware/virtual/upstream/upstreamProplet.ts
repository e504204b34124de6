import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { MqttClient } from 'mqtt';
import type { App, AppDescriptor, Chip } from '../app.ts';
import { ZephyrConsole } from '../proplet/console.ts';
import { ZEPHYR_VERSION } from '../proplet/limits.ts';
import type { Level } from '../proplet/zephyrLog.ts';
import { loadCredentials, type Credentials } from './credentials.ts';
import { executeWasm } from './wasmHandler.ts';

/**
 * Upstream's embedded proplet, release v0.5.0 (absmach/propeller embed-proplet/), as it is:
 * no shell, settings from NVS over compiled-in defaults, TLS always (prj.conf sets
 * CONFIG_MQTT_LIB_TLS, which mqtt_client.c turns into use_tls), one connect phase retried
 * every 5 s and nothing after a loss, tasks run inside the MQTT callback, the payload read
 * into a 1024-byte buffer. docs/upstream-firmware.md cites file and line for each rule.
 */

/** main.c */
const PROPLET_VERSION = '0.1.0-PROP-103';
const NAMESPACE = 'embedded';
const ALIVE_MS = 10_000;
const METRICS_MS = 30_000;
/** prj.conf CONFIG_MQTT_KEEPALIVE */
const KEEPALIVE_S = 30;
/** mqtt_client.h PAYLOAD_BUFFER_SIZE: payloads are read MIN(len, 1023) bytes. */
const PAYLOAD_READ_MAX = 1023;
const MAX_INPUTS = 16;
const RETRY_MS = 5000;
/** wifi_manager.c: association is polled every 500 ms, then it sleeps 5 s before returning. */
const WIFI_ASSOCIATE_MS = 500;
const WIFI_SETTLE_MS = 5000;
/** The virtual board has no radio; the broker is reached over loopback. */
const VIRTUAL_IP = '127.0.0.1';
const PINGREQ = Buffer.from([0xc0, 0x00]);

export class UpstreamProplet implements App {
  private readonly console: ZephyrConsole;
  private readonly timers = new Set<NodeJS.Timeout>();
  private creds!: Credentials;
  private client?: MqttClient;
  private socket?: TLSSocket;
  /** The TLS socket mqtt_client_connect opens itself and then leaves unused. */
  private strayTls?: TLSSocket;
  private connected = false;
  private stopped = false;
  /** Set once a payload was read only in part: Zephyr's client_read() answers -EBUSY from then on. */
  private deaf = false;
  /** The current task, as g_current_task: what the host functions and a registry reply read. */
  private current = { id: '', inputs: [] as bigint[] };

  constructor(
    private readonly chip: Chip,
    _descriptor: AppDescriptor,
  ) {
    this.console = new ZephyrConsole(chip);
    // No shell: bytes from the host go nowhere.
    chip.onUartData(() => {});
    this.boot();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.client?.end(true);
    this.socket?.destroy();
    this.strayTls?.destroy();
  }

  private log(level: Level, module: string, message: string): void {
    if (!this.stopped) this.console.log(level, module, message);
  }

  private boot(): void {
    this.console.write(`*** Booting Zephyr OS build ${ZEPHYR_VERSION} ***\r\n`);
    this.log('inf', 'main', 'Starting Proplet...');
    this.creds = loadCredentials(this.chip);
    const ssid = this.creds.wifi_ssid;
    this.log('inf', 'wifi_manager', `Connecting to Wi-Fi: ${ssid}`);
    this.after(WIFI_ASSOCIATE_MS, () => {
      this.log('inf', 'wifi_manager', 'Wi-Fi connected');
      this.after(WIFI_SETTLE_MS, () => {
        this.log('inf', 'wifi_manager', `Connected to Wi-Fi: ${ssid}`);
        this.log('inf', 'task_monitor', 'Task monitor initialized (max tasks: 4)');
        void this.connectPhase();
      });
    });
  }

  /** TCP through the chip's radio, then a TLS handshake that verifies nothing (no CA is compiled in). */
  private dialTls(): Promise<TLSSocket> {
    const { mqtt_broker_host: host, mqtt_broker_port: port } = this.creds;
    return new Promise((resolve, reject) => {
      const tcp: Duplex = this.chip.connect(host, port);
      const tls = tlsConnect({ socket: tcp, rejectUnauthorized: false, ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) ? {} : { servername: host }) });
      tls.once('secureConnect', () => resolve(tls));
      tls.once('error', (err) => reject(err));
    });
  }

  /** mqtt_client_connect(): its own TLS socket first, then the CONNECT loop. */
  private async connectPhase(): Promise<void> {
    const c = this.creds;
    this.log('inf', 'mqtt_client', `Configuring MQTT over TLS to ${c.mqtt_broker_host}:${c.mqtt_broker_port}`);
    if (c.tls_client_cert) this.log('inf', 'mqtt_client', 'Client certificate registered for mTLS');
    if (c.tls_client_key) this.log('inf', 'mqtt_client', 'Client private key registered for mTLS');
    try {
      this.strayTls = await this.dialTls();
    } catch (err) {
      this.log('err', 'mqtt_client', `Failed to connect TLS socket [${errnoOf(err)}]`);
      // main() returns: the board stays up and does nothing more.
      this.log('err', 'main', 'MQTT connect failed');
      return;
    }
    this.strayTls.on('error', () => {});
    this.log('inf', 'mqtt_client', 'TLS socket created and connected');
    this.attempt();
  }

  private attempt(): void {
    if (this.stopped) return;
    this.log('inf', 'mqtt_client', 'Attempting to connect to the MQTT broker...');
    const c = this.creds;
    let socketUp = false;
    let settled = false;
    const client = new MqttClient(
      () => {
        const tcp = this.chip.connect(c.mqtt_broker_host, c.mqtt_broker_port);
        const tls = tlsConnect({ socket: tcp, rejectUnauthorized: false });
        tls.once('secureConnect', () => (socketUp = true));
        this.socket = tls;
        return tls;
      },
      {
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: c.proplet_id,
        username: c.proplet_id,
        ...(c.client_key ? { password: c.client_key } : {}),
        keepalive: KEEPALIVE_S,
        clean: false,
        reconnectPeriod: 0,
        resubscribe: false,
        // poll_mqtt_socket(&client_ctx, 5000) for the CONNACK.
        connectTimeout: RETRY_MS,
        will: {
          topic: this.topic('control/proplet/alive'),
          payload: Buffer.from(JSON.stringify({ status: 'offline', proplet_id: c.proplet_id, namespace: NAMESPACE })),
          qos: 1,
          retain: false,
        },
      },
    );
    this.client = client;
    // Zephyr leaves PUBACK of a received QoS 1 message to the application; upstream never sends one.
    const send = (client as unknown as { _sendPacket(p: { cmd: string }, cb?: () => void): void })._sendPacket.bind(client);
    (client as unknown as { _sendPacket(p: { cmd: string }, cb?: () => void): void })._sendPacket = (packet, cb) =>
      packet.cmd === 'puback' ? cb?.() : send(packet, cb);
    client.on('error', () => {});
    client.on('connect', () => {
      settled = true;
      this.connected = true;
      this.log('inf', 'mqtt_client', 'MQTT connection accepted by broker');
      this.log('inf', 'mqtt_client', 'MQTT client connected successfully');
      this.online();
    });
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback') this.log('inf', 'mqtt_client', 'Subscribed successfully');
      else if (packet.cmd === 'puback') this.log('inf', 'mqtt_client', 'QoS 1 Message published successfully');
      else if (packet.cmd === 'pingresp') this.log('inf', 'mqtt_client', 'Ping response received from broker');
      else if (packet.cmd === 'connack' && packet.returnCode !== 0) this.log('err', 'mqtt_client', `MQTT connection failed [${packet.returnCode}]`);
    });
    client.on('message', (topic, payload) => this.received(topic, payload));
    client.on('close', () => {
      if (this.stopped) return;
      if (this.connected) {
        this.connected = false;
        this.log('inf', 'mqtt_client', 'Disconnected from MQTT broker');
        return; // never again: main's loop only processes a connected client
      }
      if (settled) return;
      settled = true;
      client.removeAllListeners('close');
      if (!socketUp) {
        this.log('err', 'mqtt_client', `MQTT connect failed [-${errnoOf(undefined)}]. Retrying in 5 seconds...`);
        this.after(RETRY_MS, () => this.attempt());
      } else {
        // A refused CONNACK or a silent broker: abort and go round again.
        this.log('err', 'mqtt_client', 'MQTT connection not established. Retrying...');
        this.after(0, () => this.attempt());
      }
    });
  }

  private topic(suffix: string): string {
    return `m/${this.creds.domain_id}/c/${this.creds.channel_id}/${suffix}`;
  }

  private online(): void {
    const c = this.creds;
    const client = this.client!;
    this.log('inf', 'mqtt_client', `Subscribing to topics for channel ID: ${c.channel_id}`);
    // One SUBSCRIBE with the three topics, as subscribe() sends it.
    client.subscribe(['control/manager/start', 'control/manager/stop', 'registry/server'].map((s) => this.topic(s)), { qos: 1 });
    this.log('inf', 'mqtt_client', `Successfully subscribed to topics for channel ID: ${c.channel_id}`);
    const discovery = {
      proplet_id: c.proplet_id,
      namespace: NAMESPACE,
      metadata: {
        description: 'ESP32-S3 embed-proplet',
        tags: ['embedded', 'esp32s3', 'zephyr'],
        location: 'dev-bench',
        ip: VIRTUAL_IP,
        environment: 'embedded',
        os: 'zephyr',
        hostname: '',
        cpu_arch: 'xtensa',
        total_memory_bytes: 0,
        proplet_version: PROPLET_VERSION,
        wasm_runtime: 'wamr',
      },
    };
    client.publish(this.topic('control/proplet/create'), JSON.stringify(discovery), { qos: 1 });
    this.log('inf', 'mqtt_client', `Discovery published successfully to topic: ${this.topic('control/proplet/create')}`);
    const started = this.chip.uptimeMs();
    this.every(ALIVE_MS, () =>
      this.publish('control/proplet/alive', JSON.stringify({ status: 'alive', proplet_id: c.proplet_id, namespace: NAMESPACE })),
    );
    this.every(METRICS_MS, () => this.publish('control/proplet/metrics', this.metrics(started)));
  }

  /** publish(): logs topic and payload, or that the client is not connected. */
  private publish(suffix: string, payload: string): void {
    if (!this.connected) return this.log('err', 'mqtt_client', 'MQTT client is not connected. Cannot publish.');
    this.client!.publish(this.topic(suffix), payload, { qos: 1 });
    this.log('inf', 'mqtt_client', `Published to topic: ${this.topic(suffix)}. Payload: ${payload}`);
  }

  private metrics(_since: number): string {
    // The system heap (CONFIG_HEAP_MEM_POOL_SIZE 65536) as sys_heap_runtime_stats_get reports it;
    // the model allocates nothing from it.
    const heapAlloc = 0;
    const heapFree = 65536;
    return JSON.stringify({
      proplet_id: this.creds.proplet_id,
      namespace: NAMESPACE,
      timestamp: Math.floor(this.chip.uptimeMs()),
      cpu_metrics: { user_seconds: 0, system_seconds: 0, percent: 0 },
      memory_metrics: {
        rss_bytes: 0,
        heap_alloc_bytes: heapAlloc,
        heap_sys_bytes: heapAlloc + heapFree,
        heap_inuse_bytes: heapAlloc,
        heap_free_bytes: heapFree,
        heap_max_alloc_bytes: heapAlloc,
      },
    });
  }

  private received(topic: string, payload: Buffer): void {
    if (this.deaf) return;
    this.log('inf', 'mqtt_client', `Message received on topic: ${topic}`);
    const read = payload.subarray(0, PAYLOAD_READ_MAX).toString('latin1').split('\0')[0]!;
    this.log('inf', 'mqtt_client', `Payload: ${read}`);
    if (payload.length > PAYLOAD_READ_MAX) this.goDeaf();
    if (topic === this.topic('control/manager/start')) this.start(read);
    else if (topic === this.topic('control/manager/stop')) this.stopCommand(read);
    else if (topic === this.topic('registry/server')) this.registryReply(read);
    else this.log('wrn', 'mqtt_client', 'Unknown topic');
  }

  /**
   * The rest of a payload longer than the buffer is never read, so Zephyr's mqtt_input()
   * returns -EBUSY from then on: nothing more is received, while mqtt_live() goes on pinging.
   */
  private goDeaf(): void {
    this.deaf = true;
    this.socket?.pause();
    const manager = this.client as unknown as { _destroyKeepaliveManager(): void };
    manager._destroyKeepaliveManager();
    this.every(KEEPALIVE_S * 1000, () => {
      if (this.connected) this.socket?.write(PINGREQ);
    });
  }

  private start(payload: string): void {
    const json = parseJson(payload);
    if (json === undefined) return this.log('err', 'mqtt_client', 'JSON parsing error before: ');
    const id = json.id;
    const name = json.name;
    if (typeof id !== 'string' || typeof name !== 'string') return this.log('err', 'mqtt_client', 'Invalid or missing mandatory fields in JSON payload');
    const mode = typeof json.mode === 'string' ? json.mode.slice(0, 63) : '';
    const file = typeof json.file === 'string' ? json.file.slice(0, 1023) : '';
    const imageUrl = typeof json.image_url === 'string' ? json.image_url.slice(0, 255) : '';
    // Only numbers are taken; a string input (as the real manager sends) stays 0.
    const inputs = Array.isArray(json.inputs)
      ? (json.inputs as unknown[]).slice(0, MAX_INPUTS).map((v) => (typeof v === 'number' && Number.isFinite(v) ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : 0n))
      : [];
    const taskId = id.slice(0, 63);
    this.log('inf', 'mqtt_client', `Starting task: ID=${taskId}, Name=${name.slice(0, 63)}, Mode=${mode}`);
    this.log('inf', 'mqtt_client', `image_url=${imageUrl}, file-len(b64)=${file.length}`);
    this.log('inf', 'mqtt_client', `inputs_count=${inputs.length}`);
    this.current = { id: taskId, inputs };
    if (file.length > 0) {
      const wasm = decodeBase64(file);
      if (!wasm) return this.log('err', 'mqtt_client', 'Failed to decode base64 WASM (task.file). Err=-22');
      this.execute(taskId, wasm, inputs);
    } else if (imageUrl.length > 0) {
      this.log('inf', 'mqtt_client', `Requesting WASM from registry: ${imageUrl}`);
      this.publish('registry/proplet', JSON.stringify({ app_name: imageUrl }));
      if (this.connected) this.log('inf', 'mqtt_client', `Requested registry file for: ${imageUrl}`);
    } else {
      this.log('wrn', 'mqtt_client', 'No file or image_url specified; cannot start WASM task!');
    }
  }

  private execute(taskId: string, wasm: Uint8Array<ArrayBuffer>, inputs: bigint[]): void {
    this.log('inf', 'task_monitor', `Started monitoring task: ${taskId}`);
    // Synchronous on purpose: the MQTT loop, keep-alive included, waits for the task.
    const outcome = executeWasm(wasm, inputs, { propletId: this.creds.proplet_id, modelData: '', datasetData: '' });
    if ('error' in outcome) {
      if (outcome.error.startsWith('WASM execution failed: ')) this.log('err', 'wasm_handler', `Error invoking WASM function: ${outcome.error}`);
      this.publishResult({ task_id: taskId, results: '', error: outcome.error });
    } else {
      this.publishResult({ task_id: taskId, results: outcome.results });
      this.log('inf', 'wasm_handler', 'WASM execution results published to MQTT topic');
    }
    this.log('inf', 'task_monitor', `Stopped monitoring task: ${taskId} (samples: 0)`);
  }

  private publishResult(result: { task_id: string; results: string; error?: string }): void {
    this.publish('control/proplet/results', JSON.stringify(result));
    if (this.connected) this.log('inf', 'mqtt_client', `Published results for task: ${result.task_id}`);
    else this.log('err', 'mqtt_client', 'Failed to publish results');
  }

  private stopCommand(payload: string): void {
    const json = parseJson(payload);
    if (json === undefined) return this.log('err', 'mqtt_client', 'Failed to parse JSON payload');
    for (const field of ['id', 'name', 'state'] as const) {
      if (typeof json[field] !== 'string') return this.log('err', 'mqtt_client', `Invalid or missing '${field}' field in stop command`);
    }
    this.log('inf', 'mqtt_client', `Stopping task: ID=${json.id}, Name=${json.name}, State=${json.state}`);
    // A task runs to its end before the next message is read, so none is ever running here.
    this.log('wrn', 'wasm_handler', `No running WASM app found with ID=${json.id}`);
  }

  private registryReply(payload: string): void {
    const json = parseJson(payload);
    if (json === undefined) return this.log('err', 'mqtt_client', 'Failed to parse JSON payload');
    if (typeof json.app_name !== 'string') return this.log('err', 'mqtt_client', "Invalid or missing 'app_name' field in registry response");
    if (typeof json.data !== 'string') return this.log('err', 'mqtt_client', "Invalid or missing 'data' field in registry response");
    this.log('inf', 'mqtt_client', `Single-chunk registry response for app: ${json.app_name.slice(0, 63)}`);
    const wasm = decodeBase64(json.data.slice(0, 1023));
    if (!wasm) return this.log('err', 'mqtt_client', 'Failed to decode Base64 data, err=-22');
    this.log('inf', 'mqtt_client', `Decoded single-chunk WASM size: ${wasm.length}. Executing now...`);
    // Whatever task started last: the reply carries no task id.
    this.execute(this.current.id, wasm, this.current.inputs);
    this.log('inf', 'mqtt_client', 'WASM binary executed from single-chunk registry response.');
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(() => {
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }
}

type Json = Record<string, unknown> & { inputs?: unknown };

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return undefined;
  }
}

/** Zephyr's base64_decode refuses characters outside the alphabet. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Zephyr's errno for a failed connect, as the firmware prints it. */
function errnoOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // Zephyr's errno.h: ECONNREFUSED 111, ETIMEDOUT 116, ECONNRESET 104.
  return code === 'ETIMEDOUT' ? 116 : code === 'ECONNRESET' ? 104 : 111;
}
