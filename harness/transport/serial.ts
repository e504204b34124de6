import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { hangupAwareBinding } from './hangupAwareBinding.ts';
import { Listeners } from './listeners.ts';
import { SignalsUnsupportedError, type Signals, type Transport } from './transport.ts';

export interface SerialOptions {
  baud: number;
  log: Logger;
  /**
   * Finds the device again after it vanished. An ESP32-S3's USB-Serial/JTAG port drops off the
   * bus on every chip reset and comes back, possibly under another name (ttyACM0 → ttyACM1);
   * absent for ports that cannot come back (a pty).
   */
  relocate?: () => Promise<string | undefined>;
  reopenWithinMs?: number;
}

/** What Linux raises when a tty is opened (HUPCL termios default). */
const LINES_AT_OPEN = { dtr: true, rts: true };

/** A serial port on this host, through `serialport`. */
export class SerialTransport implements Transport {
  private port: SerialPort | undefined;
  private signals = { ...LINES_AT_OPEN };
  private reopening: Promise<void> | undefined;
  private closing = false;
  private currentBaud: number;
  private readonly dataListeners = new Listeners<[Buffer]>();
  private readonly closeListeners = new Listeners<[Error?]>();

  constructor(
    readonly url: string,
    private devicePath: string,
    private readonly opts: SerialOptions,
  ) {
    this.currentBaud = opts.baud;
  }

  /** The device currently open (it can change when a USB port comes back under another name). */
  get path(): string {
    return this.devicePath;
  }

  get isOpen(): boolean {
    return (this.port !== undefined || this.reopening !== undefined) && !this.closing;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.closing = false;
    this.port = await this.openAt(this.devicePath);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.closing = true;
    await this.reopening;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.closing = false;
    this.closeListeners.emit();
  }

  async write(data: Uint8Array | string): Promise<void> {
    const port = await this.current();
    await new Promise<void>((resolve, reject) =>
      port.write(typeof data === 'string' ? data : Buffer.from(data), (err) =>
        err ? reject(new HilError(`writing to ${this.url} failed: ${clean(err)}`)) : resolve(),
      ),
    );
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.dataListeners.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closeListeners.add(listener);
  }

  /** serialport sets every line on each call, so the line not named keeps its last value. */
  async setSignals(signals: Signals): Promise<void> {
    const port = await this.current();
    const next = { dtr: signals.dtr ?? this.signals.dtr, rts: signals.rts ?? this.signals.rts };
    await new Promise<void>((resolve, reject) =>
      port.set(next, (err) => {
        if (!err) return resolve();
        if (/Inappropriate ioctl|ENOTTY/i.test(err.message)) return reject(new SignalsUnsupportedError(this.url));
        reject(new HilError(`cannot set DTR/RTS on ${this.url}: ${clean(err)}`));
      }),
    );
    this.signals = next;
  }

  async setBaud(baud: number): Promise<void> {
    const port = await this.current();
    await new Promise<void>((resolve, reject) =>
      port.update({ baudRate: baud }, (err) =>
        err ? reject(new HilError(`cannot set ${baud} baud on ${this.url}: ${clean(err)}`)) : resolve(),
      ),
    );
    this.currentBaud = baud;
  }

  private async current(): Promise<SerialPort> {
    await this.reopening;
    if (!this.port || this.closing) throw new HilError(`${this.url} is not open`, 'open the transport first');
    return this.port;
  }

  private async openAt(devicePath: string): Promise<SerialPort> {
    // SerialPort's typed options leave out `binding`, which its constructor honours.
    const options = { path: devicePath, baudRate: this.currentBaud, autoOpen: false, binding: hangupAwareBinding };
    const port = new SerialPort(options as ConstructorParameters<typeof SerialPort>[0]);
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(devicePath, err)) : resolve())));
    this.signals = { ...LINES_AT_OPEN };
    port.on('data', (chunk: Buffer) => this.dataListeners.emit(chunk));
    port.on('error', (err) => this.opts.log.debug({ url: this.url, err: err.message }, 'serial port error'));
    port.on('close', () => this.lost(port));
    return port;
  }

  /** The port closed without close(): it was unplugged, reset (USB-Serial/JTAG) or its pty went away. */
  private lost(port: SerialPort): void {
    if (port !== this.port || this.closing) return;
    this.port = undefined;
    if (!this.opts.relocate) {
      this.closeListeners.emit(new HilError(`serial port ${this.url} was lost`, 'was the board unplugged or reset?'));
      return;
    }
    this.reopening = this.reopen(this.opts.relocate).finally(() => (this.reopening = undefined));
  }

  private async reopen(relocate: () => Promise<string | undefined>): Promise<void> {
    const withinMs = this.opts.reopenWithinMs ?? 5000;
    this.opts.log.info({ url: this.url, path: this.devicePath }, 'serial port vanished; waiting for it to come back');
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline && !this.closing) {
      const found = await relocate().catch(() => undefined);
      const port = found ? await this.openAt(found).catch(() => undefined) : undefined;
      if (port) {
        if (this.closing) {
          await new Promise<void>((resolve) => port.close(() => resolve()));
          return;
        }
        this.port = port;
        this.devicePath = found!;
        this.opts.log.info({ url: this.url, path: found }, 'serial port reopened');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (this.closing) return;
    this.reopening = undefined;
    this.closeListeners.emit(
      new HilError(`serial port ${this.url} vanished and did not come back within ${withinMs} ms`, 'was the board unplugged? check the cable and hil boards'),
    );
  }
}

/** serialport's messages read "Error: <strerror>, cannot open <path>"; keep the strerror part. */
function clean(err: Error): string {
  return err.message.replace(/^Error:?\s*/, '');
}

function openError(devicePath: string, err: Error): HilError {
  const text = clean(err);
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|busy/i.test(text)) {
    return new HilError(`serial port ${devicePath} is busy`, 'another program holds it (a serial monitor, another hil run, ModemManager); close it and retry');
  }
  if (/No such file or directory|ENOENT|ENODEV|No such device/i.test(text)) {
    return new HilError(`no such serial device ${devicePath}`, 'is the board plugged in? hil boards lists the ports this host sees');
  }
  if (/Permission denied|EACCES|EPERM/i.test(text)) {
    return new HilError(`permission denied opening ${devicePath}`, 'add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again');
  }
  return new HilError(`cannot open serial port ${devicePath}: ${text}`);
}
