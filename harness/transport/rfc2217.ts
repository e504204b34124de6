import net from 'node:net';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { Listeners } from './listeners.ts';
import {
  DO,
  DONT,
  escapeIac,
  negotiation,
  OPT_BINARY,
  OPT_COM_PORT,
  OPT_SGA,
  subnegotiation,
  TelnetDecoder,
  type TelnetEvent,
  type Verb,
  WILL,
  WONT,
} from './telnet.ts';
import type { Signals, Transport } from './transport.ts';

// RFC 2217 §3 client-to-server subcommands; the server answers each with code + 100.
const SIGNATURE = 0;
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
const SERVER_OFFSET = 100;

const PARITY_NONE = 1;
const STOPSIZE_1 = 1;
const CONTROL = { dtrOn: 8, dtrOff: 9, rtsOn: 11, rtsOff: 12 } as const;

const NAMES: Record<number, string> = {
  [SIGNATURE]: 'SIGNATURE',
  [SET_BAUDRATE]: 'SET-BAUDRATE',
  [SET_DATASIZE]: 'SET-DATASIZE',
  [SET_PARITY]: 'SET-PARITY',
  [SET_STOPSIZE]: 'SET-STOPSIZE',
  [SET_CONTROL]: 'SET-CONTROL',
};

/** Options we agree to, each way: 8-bit clean, no go-ahead, COM port; anything else (ECHO) is refused. */
const SUPPORTED = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);

/**
 * Which RFC 2217 server is on the other end, as far as the harness must care
 * (docs/esptool-conformance.md):
 * - `standard`: answers every subcommand, applies DTR/RTS as asked (the virtual board, ser2net
 *   on a real UART, labgrid's exporter through ser2net);
 * - `ser2net`: the same, but on a pty it cannot apply DTR/RTS and leaves SET-CONTROL unanswered;
 * - `esp_rfc2217_server`: esptool's server (pyserial's PortManager inside). It never answers
 *   SIGNATURE or SET-CONTROL and turns DTR/RTS changes into its own reset sequences (DTR on:
 *   reset into the bootloader; RTS off: hard reset; RTS on: ignored), so RTS cannot hold EN low.
 * `auto` asks for the server's SIGNATURE: ser2net names itself, esp_rfc2217_server stays silent.
 */
export type Rfc2217ServerKind = 'standard' | 'ser2net' | 'esp_rfc2217_server';
export type Rfc2217ServerSetting = Rfc2217ServerKind | 'auto';

export interface Rfc2217Options {
  baud: number;
  log: Logger;
  connectTimeoutMs?: number;
  /** How long a SET-* waits for the server's answer before going on without it. */
  ackTimeoutMs?: number;
  /** The server's kind, from the bench file; `auto` (the default) detects it at open. */
  server?: Rfc2217ServerSetting;
}

/** A server that answers SIGNATURE does so at once; silence this long means it never will. */
const SIGNATURE_WAIT_MS = 400;

interface Pending {
  code: number;
  resolve: (value: Buffer | undefined) => void;
}

/**
 * An RFC 2217 client: a serial port on another host (esp_rfc2217_server, ser2net, labgrid's
 * exporter, the virtual board) reached over telnet with the COM-PORT-OPTION.
 */
export class Rfc2217Transport implements Transport {
  private socket: net.Socket | undefined;
  private decoder = new TelnetDecoder();
  private readonly dataListeners = new Listeners<[Buffer]>();
  private readonly closeListeners = new Listeners<[Error?]>();
  /** Options each side has agreed to (ours: they said DO; theirs: they said WILL). */
  private readonly ourEnabled = new Set<number>();
  private readonly theirEnabled = new Set<number>();
  private readonly requested = new Set<string>();
  private comPortAgreed: ((outcome: 'agreed' | 'refused' | 'closed') => void) | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Subcommands the server let time out once: it will not answer them (ser2net on a pty). */
  private readonly silent = new Set<number>();
  private closing = false;
  private currentBaud: number;
  private kind: Rfc2217ServerKind = 'standard';
  /** The DTR/RTS levels last sent on this connection (unknown until then). */
  private lines: Signals = {};
  /** Why the connection is gone when the server (not this client) ended it. */
  private lost: HilError | undefined;

  constructor(
    readonly url: string,
    private readonly host: string,
    private readonly port: number,
    private readonly opts: Rfc2217Options,
  ) {
    this.currentBaud = opts.baud;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.closing;
  }

  get baud(): number {
    return this.currentBaud;
  }

  /** The kind of server, known once open() has resolved. */
  get server(): Rfc2217ServerKind {
    return this.kind;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.closing = false;
    this.lost = undefined;
    this.decoder = new TelnetDecoder();
    this.ourEnabled.clear();
    this.theirEnabled.clear();
    this.requested.clear();
    this.silent.clear();
    this.lines = {};
    const socket = await this.connect();
    this.socket = socket;
    socket.setNoDelay(true);
    const agreed = new Promise<'agreed' | 'refused' | 'closed'>((resolve) => (this.comPortAgreed = resolve));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.opts.log.debug({ url: this.url, err: err.message }, 'rfc2217 socket error'));
    socket.on('close', () => this.closed());
    for (const option of SUPPORTED) {
      this.request(WILL, option);
      this.request(DO, option);
    }
    const timeoutMs = this.opts.connectTimeoutMs ?? 5000;
    const outcome = await withTimeout(agreed, timeoutMs);
    this.comPortAgreed = undefined;
    if (outcome !== 'agreed') {
      await this.close();
      if (outcome === 'closed') {
        throw new HilError(`${this.url} closed the connection during telnet negotiation`, 'is another client already connected to that port?');
      }
      if (outcome === 'refused') {
        throw new HilError(
          `${this.url} refused the RFC 2217 COM-PORT-OPTION`,
          'serve the port as RFC 2217: ser2net accepter telnet(rfc2217),tcp,…, or esp_rfc2217_server',
        );
      }
      throw new HilError(
        `${this.url} did not negotiate RFC 2217 within ${timeoutMs} ms`,
        'is this a raw TCP port instead of an RFC 2217 (telnet) server?',
      );
    }
    await this.command(SET_BAUDRATE, u32(this.currentBaud));
    await this.command(SET_DATASIZE, Buffer.from([8]));
    await this.command(SET_PARITY, Buffer.from([PARITY_NONE]));
    await this.command(SET_STOPSIZE, Buffer.from([STOPSIZE_1]));
    this.kind = await this.detect();
    this.opts.log.debug({ url: this.url, server: this.kind }, 'RFC 2217 server kind');
  }

  private async detect(): Promise<Rfc2217ServerKind> {
    const setting = this.opts.server ?? 'auto';
    if (setting !== 'auto') return setting;
    const signature = await this.command(SIGNATURE, Buffer.alloc(0), SIGNATURE_WAIT_MS, true);
    if (signature === undefined) return 'esp_rfc2217_server';
    return /ser2net/i.test(signature.toString('latin1')) ? 'ser2net' : 'standard';
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  async write(data: Uint8Array | string): Promise<void> {
    const socket = this.requireOpen();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await new Promise<void>((resolve, reject) => socket.write(escapeIac(bytes), (err) => (err ? reject(err) : resolve())));
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.dataListeners.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closeListeners.add(listener);
  }

  /**
   * DTR goes first when both change, as pyserial's esptool reset sequences expect. Behind
   * esp_rfc2217_server the changes go out unacknowledged (it never answers SET-CONTROL) and
   * start its own reset sequences: the lines are a request for a reset, not levels.
   */
  async setSignals(signals: Signals): Promise<void> {
    this.requireOpen();
    // Behind esp_rfc2217_server each SET-CONTROL is a request, not a level: a line set to the
    // level it already has would be one more (esptool-js's classic reset ends with "DTR off,
    // RTS off", and that RTS off — RTS being off already — started a hard reset alongside the
    // server's bootloader reset, which then now and then ended in the flash boot). Only changes go.
    const changed = (line: 'dtr' | 'rts') => signals[line] !== undefined && (this.kind !== 'esp_rfc2217_server' || this.lines[line] !== signals[line]);
    if (changed('dtr')) {
      await this.command(SET_CONTROL, Buffer.from([signals.dtr ? CONTROL.dtrOn : CONTROL.dtrOff]));
      this.lines.dtr = signals.dtr;
    }
    if (changed('rts')) {
      await this.command(SET_CONTROL, Buffer.from([signals.rts ? CONTROL.rtsOn : CONTROL.rtsOff]));
      this.lines.rts = signals.rts;
    }
  }

  async setBaud(baud: number): Promise<void> {
    this.requireOpen();
    const answer = await this.command(SET_BAUDRATE, u32(baud));
    if (answer && answer.length >= 4 && answer.readUInt32BE(0) !== baud) {
      // The server's UART stays at the rate it reports: going on at `baud` would be noise.
      const got = answer.readUInt32BE(0);
      if (got > 0) this.currentBaud = got;
      throw new HilError(`${this.url} refused ${baud} baud (its server answered ${got})`, 'set a baud rate the serial port behind the server supports');
    }
    this.currentBaud = baud;
  }

  private connect(): Promise<net.Socket> {
    const timeoutMs = this.opts.connectTimeoutMs ?? 5000;
    const where = `${this.host}:${this.port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new HilError(`RFC 2217 server ${where} did not answer within ${timeoutMs} ms`, 'check the host, the port and any firewall between'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(connectError(where, err));
      });
    });
  }

  private requireOpen(): net.Socket {
    if (!this.socket || this.closing) throw this.notOpen();
    return this.socket;
  }

  /** The server hanging up is its own failure, not a caller that forgot to open the port. */
  private notOpen(): HilError {
    return this.lost ?? new HilError(`${this.url} is not open`, 'open the transport first');
  }

  private send(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  private request(verb: Verb, option: number): void {
    this.requested.add(`${verb}:${option}`);
    this.send(negotiation(verb, option));
  }

  private receive(chunk: Buffer): void {
    for (const event of this.decoder.push(chunk)) this.handle(event);
  }

  private handle(event: TelnetEvent): void {
    if (event.kind === 'data') {
      this.dataListeners.emit(event.data);
    } else if (event.kind === 'negotiate') {
      this.negotiate(event.verb, event.option);
    } else if (event.option === OPT_COM_PORT && event.payload.length > 0) {
      this.answer(event.payload[0]!, event.payload.subarray(1));
    }
  }

  /**
   * RFC 1143's rule in its simple form: answer only a change of state (or a refusal), never an
   * answer to our own request, so that two sides that both ask never loop. DO/DONT are about
   * our side of an option, WILL/WONT about theirs.
   */
  private negotiate(verb: Verb, option: number): void {
    const ours = verb === DO || verb === DONT;
    const enabled = ours ? this.ourEnabled : this.theirEnabled;
    const [yes, no]: [Verb, Verb] = ours ? [WILL, WONT] : [DO, DONT];
    const asks = verb === DO || verb === WILL;
    const wanted = asks && SUPPORTED.has(option);
    const answered = this.requested.delete(`${yes}:${option}`);
    const was = enabled.has(option);
    if (wanted) enabled.add(option);
    else enabled.delete(option);
    if (!answered && (was !== wanted || (asks && !wanted))) this.send(negotiation(wanted ? yes : no, option));
    if (ours && option === OPT_COM_PORT && answered) this.comPortAgreed?.(wanted ? 'agreed' : 'refused');
  }

  private answer(code: number, value: Buffer): void {
    if (this.pending && code === this.pending.code + SERVER_OFFSET) {
      const { resolve } = this.pending;
      this.pending = undefined;
      resolve(value);
    }
    // NOTIFY-LINESTATE / NOTIFY-MODEMSTATE and late answers carry nothing the harness uses.
  }

  /**
   * Sends one subcommand and waits for its answer, one at a time so that answers cannot be
   * confused. A server that lets one kind time out (ser2net cannot apply DTR/RTS to a pty and
   * says nothing) is warned about once and not waited for again.
   */
  private command(code: number, value: Buffer, waitMs?: number, quiet = false): Promise<Buffer | undefined> {
    const run = async (): Promise<Buffer | undefined> => {
      if (!this.socket || this.closing) throw this.notOpen();
      if (this.silent.has(code) || (code === SET_CONTROL && this.kind === 'esp_rfc2217_server')) {
        this.send(subnegotiation(OPT_COM_PORT, Buffer.concat([Buffer.from([code]), value])));
        return undefined;
      }
      const answer = new Promise<Buffer | undefined>((resolve) => (this.pending = { code, resolve }));
      this.send(subnegotiation(OPT_COM_PORT, Buffer.concat([Buffer.from([code]), value])));
      const timeoutMs = waitMs ?? this.opts.ackTimeoutMs ?? 1000;
      const got = await withTimeout(answer, timeoutMs);
      if (got === 'timeout') {
        this.pending = undefined;
        if (quiet) return undefined;
        this.silent.add(code);
        const why = this.kind === 'ser2net' && code === SET_CONTROL ? ' (ser2net cannot apply DTR/RTS to a pty)' : '';
        this.opts.log.warn(
          { url: this.url, command: NAMES[code], server: this.kind },
          `RFC 2217 server did not acknowledge ${NAMES[code]} within ${timeoutMs} ms; going on without waiting for its answers${why}`,
        );
        return undefined;
      }
      if (!this.socket) throw this.notOpen();
      return got;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private closed(): void {
    const expected = this.closing;
    this.socket = undefined;
    this.closing = false;
    this.comPortAgreed?.('closed');
    this.comPortAgreed = undefined;
    this.pending?.resolve(undefined);
    this.pending = undefined;
    if (expected) {
      this.closeListeners.emit();
      return;
    }
    this.lost = new HilError(
      `RFC 2217 server closed the connection to ${this.url}`,
      this.kind === 'esp_rfc2217_server'
        ? 'esp_rfc2217_server drops its client when its own serial port fails; see its log'
        : 'is the server (or the virtual board) still running?',
    );
    this.closeListeners.emit(this.lost);
  }
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connectError(where: string, err: NodeJS.ErrnoException): HilError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new HilError(`RFC 2217 server ${where} refused the connection`, 'is ser2net / esp_rfc2217_server running and serving that port?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HilError(`RFC 2217 host ${where} not found`, 'check the host name in the port spec');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new HilError(`RFC 2217 host ${where} is unreachable`, 'check the network route to the remote bench');
    case 'ETIMEDOUT':
      return new HilError(`RFC 2217 server ${where} did not answer`, 'check the host, the port and any firewall between');
    default:
      return new HilError(`cannot connect to RFC 2217 server ${where}: ${err.message}`);
  }
}
