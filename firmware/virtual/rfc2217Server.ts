/**
 * The board's UART served over RFC 2217 (telnet COM-PORT-OPTION), as esp_rfc2217_server and
 * ser2net serve a real board: telnet option negotiation, IAC doubling in both directions,
 * SET-BAUDRATE / SET-CONTROL (DTR, RTS) / PURGE-DATA and the other subcommands
 * answered with code + 100, so any standard client works. One client at a time: a new
 * connection replaces the old one (a crashed harness can always reconnect).
 */
import net from 'node:net';
import { COM_PORT_OPTION, DO, DONT, escapeIac, IAC, SB, SE, TelnetDecoder, WILL, WONT } from './telnet.ts';

/**
 * UART output from power-on until the first client connects waits, up to a tty buffer's
 * worth (N_TTY, 4 KiB), so the bench that has just started (or power-cycled) a board reads
 * its power-on boot, as a host with the port already open would. Between later clients
 * output is dropped: no client ever reads lines older than its connection.
 */
const POWER_ON_BUFFER_BYTES = 4096;


const BINARY = 0;
const SGA = 3;

// RFC 2217 client → server subcommands; the server answers with the same code + 100.
const SIGNATURE = 0;
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
const NOTIFY_LINESTATE = 6;
const NOTIFY_MODEMSTATE = 7;
const SET_LINESTATE_MASK = 10;
const SET_MODEMSTATE_MASK = 11;
const PURGE_DATA = 12;
const SERVER_OFFSET = 100;

/** What the server drives on the board side of the cable. */
export interface SerialPins {
  baud(): number;
  setBaud(baud: number): void;
  dtr(): boolean;
  rts(): boolean;
  setDtr(on: boolean): void;
  setRts(on: boolean): void;
  /** PURGE-DATA: 1 = receive buffer, 2 = transmit buffer, 3 = both. */
  purge(which: number): void;
  /** The client went away; a real server then releases DTR and RTS. */
  disconnected(): void;
}

/** Options we agree to, each way; everything else is refused. */
const SUPPORTED = new Set([BINARY, SGA, COM_PORT_OPTION]);

type OptionState = 'no' | 'yes' | 'wantyes';

class TelnetSession {
  private readonly decoder = new TelnetDecoder({
    data: (bytes) => this.receive(bytes),
    option: (verb, option) => this.negotiate(verb, option),
    subnegotiation: (body) => this.subnegotiation(body),
  });
  private readonly us = new Map<number, OptionState>();
  private readonly him = new Map<number, OptionState>();
  private readonly settings = { datasize: 8, parity: 1, stopsize: 1, flow: 1, breakOn: false };
  /**
   * The DevKitC's bridge has CTS, DSR, DCD and RI unconnected (inactive), and the model has no
   * line errors: both states are 0. The masks only matter for what a notification may carry.
   */
  private readonly lines = { modemState: 0, lineState: 0, modemMask: 0xff, lineMask: 0 };

  constructor(
    private readonly socket: net.Socket,
    private readonly receive: (data: Buffer) => void,
    private readonly pins: SerialPins,
  ) {
    // Offer what a serial link needs; RFC 2217 clients send WILL COM-PORT-OPTION themselves.
    for (const option of [BINARY, SGA]) {
      this.us.set(option, 'wantyes');
      this.him.set(option, 'wantyes');
      this.send([IAC, WILL, option, IAC, DO, option]);
    }
  }

  /** UART → host, IAC doubled. */
  write(data: Buffer): void {
    if (!data.includes(IAC)) {
      this.socket.write(data);
      return;
    }
    this.socket.write(Buffer.from(escapeIac(data)));
  }

  feed(chunk: Buffer): void {
    this.decoder.feed(chunk);
  }

  /** RFC 1143's rules, trimmed: answer a request once, take an answer to our own request silently. */
  private negotiate(verb: number, option: number): void {
    const enable = verb === WILL || verb === DO;
    const table = verb === WILL || verb === WONT ? this.him : this.us;
    const [yes, no] = verb === WILL || verb === WONT ? [DO, DONT] : [WILL, WONT];
    const current = table.get(option) ?? 'no';
    if (enable) {
      if (current === 'yes') return;
      if (current === 'wantyes') {
        table.set(option, 'yes');
        return;
      }
      if (SUPPORTED.has(option)) {
        table.set(option, 'yes');
        this.send([IAC, yes, option]);
        // ser2net greets an RFC 2217 client with the modem state at once; pyserial's client
        // (inside esp_rfc2217_server, for one) refuses to read CTS/DSR until it has one.
        if (option === COM_PORT_OPTION && verb === WILL) this.notifyModemState();
      } else {
        this.send([IAC, no, option]);
      }
    } else {
      if (current === 'no') return;
      table.set(option, 'no');
      if (current === 'yes') this.send([IAC, no, option]);
    }
  }

  private subnegotiation(sb: number[]): void {
    if (sb[0] !== COM_PORT_OPTION || sb.length < 2) return;
    const code = sb[1];
    const value = Buffer.from(sb.slice(2));
    switch (code) {
      case SIGNATURE:
        this.reply(code, Buffer.from('proplet-hil virtual ESP32-S3'));
        break;
      case SET_BAUDRATE: {
        const baud = value.length >= 4 ? value.readUInt32BE(0) : 0;
        if (baud > 0) this.pins.setBaud(baud);
        const out = Buffer.alloc(4);
        out.writeUInt32BE(this.pins.baud());
        this.reply(code, out);
        break;
      }
      case SET_DATASIZE:
        if (value[0]) this.settings.datasize = value[0];
        this.reply(code, Buffer.from([this.settings.datasize]));
        break;
      case SET_PARITY:
        if (value[0]) this.settings.parity = value[0];
        this.reply(code, Buffer.from([this.settings.parity]));
        break;
      case SET_STOPSIZE:
        if (value[0]) this.settings.stopsize = value[0];
        this.reply(code, Buffer.from([this.settings.stopsize]));
        break;
      case SET_CONTROL:
        this.reply(code, Buffer.from([this.control(value[0] ?? 0)]));
        break;
      case SET_LINESTATE_MASK:
        // As ser2net answers: with a NOTIFY-LINESTATE of the state under the new mask.
        this.lines.lineMask = value[0] ?? 0;
        this.reply(NOTIFY_LINESTATE, Buffer.from([this.lines.lineState & this.lines.lineMask]));
        break;
      case SET_MODEMSTATE_MASK:
        this.lines.modemMask = value[0] ?? 0;
        this.notifyModemState();
        break;
      case NOTIFY_MODEMSTATE:
      case NOTIFY_LINESTATE:
        break; // server-to-client notifications; ser2net ignores a client sending them
      case PURGE_DATA:
        this.pins.purge(value[0] ?? 3);
        this.reply(code, value.subarray(0, 1));
        break;
      default:
        break; // FLOWCONTROL-SUSPEND/RESUME and notifications: nothing to model
    }
  }

  /** SET-CONTROL: applies a setting or answers a query; returns the value to report. */
  private control(value: number): number {
    switch (value) {
      case 0:
        return this.settings.flow;
      case 1:
      case 2:
      case 3:
        this.settings.flow = value;
        return value;
      case 4:
        return this.settings.breakOn ? 5 : 6;
      case 5:
      case 6:
        // Kept for the answer only: a dev board has no use for BREAK.
        this.settings.breakOn = value === 5;
        return value;
      case 7:
        return this.pins.dtr() ? 8 : 9;
      case 8:
      case 9:
        this.pins.setDtr(value === 8);
        return value;
      case 10:
        return this.pins.rts() ? 11 : 12;
      case 11:
      case 12:
        this.pins.setRts(value === 11);
        return value;
      default:
        return value; // inbound flow control and DCD/DSR settings: accepted, not modelled
    }
  }

  private notifyModemState(): void {
    this.reply(NOTIFY_MODEMSTATE, Buffer.from([this.lines.modemState & this.lines.modemMask]));
  }

  private reply(code: number, value: Buffer): void {
    this.send([IAC, SB, COM_PORT_OPTION, code + SERVER_OFFSET, ...escapeIac(value), IAC, SE]);
  }

  private send(bytes: number[]): void {
    this.socket.write(Buffer.from(bytes));
  }
}

/**
 * Serves the UART on 127.0.0.1: over RFC 2217 when given the pins it drives, else as raw TCP
 * (no negotiation, no control lines — what socat bridges to a pty).
 */
export class UartServer {
  private readonly server: net.Server;
  private client?: { socket: net.Socket; session?: TelnetSession };
  /** Undefined once a first client has connected. */
  private powerOnOutput?: Buffer[] = [];
  private powerOnBytes = 0;

  constructor(
    private readonly receive: (data: Buffer) => void,
    private readonly pins?: SerialPins,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** UART output to the client; with none connected, dropped (kept before the first one). */
  write(data: Buffer): void {
    if (!this.client) {
      const room = POWER_ON_BUFFER_BYTES - this.powerOnBytes;
      if (this.powerOnOutput && room > 0) {
        this.powerOnOutput.push(data.subarray(0, room));
        this.powerOnBytes += Math.min(room, data.length);
      }
      return;
    }
    if (this.client.session) this.client.session.write(data);
    else this.client.socket.write(data);
  }

  close(): void {
    this.client?.socket.destroy();
    this.server.close();
  }

  private accept(socket: net.Socket): void {
    this.client?.socket.destroy();
    socket.setNoDelay(true);
    const client = { socket, session: this.pins ? new TelnetSession(socket, this.receive, this.pins) : undefined };
    this.client = client;
    socket.on('data', (chunk: Buffer) => {
      if (this.client !== client) return;
      if (client.session) client.session.feed(chunk);
      else this.receive(chunk);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.pins?.disconnected();
    });
    const waiting = this.powerOnOutput;
    this.powerOnOutput = undefined;
    if (waiting?.length) this.write(Buffer.concat(waiting));
  }
}
