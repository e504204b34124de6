import type { Transport } from '../transport/transport.ts';

/** The parts of Web Serial's SerialPortInfo that esptool-js reads (to pick a reset sequence). */
export interface SerialPortInfo {
  usbVendorId?: number;
  usbProductId?: number;
}

/** Web Serial's SerialOutputSignals. */
export interface SerialOutputSignals {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

/**
 * A Web Serial `SerialPort` over any harness Transport, so that esptool-js runs unmodified in
 * Node: its own `Transport` class gets one of these as its device. It follows the Web Serial
 * spec where esptool-js depends on it: `readable`/`writable` are null while closed, and a
 * stream that was cancelled or closed is replaced by a fresh one on the next access while the
 * port stays open. `setBaudRate` is esptool-js's in-place baud change capability, which spares
 * a close and reopen (that would reset boards whose EN follows the port's lines). When the
 * Transport is lost, both streams error and then read as null, as Web Serial's do after a fatal
 * error: esptool-js waits for its streams to unlock before closing, and a writer it never
 * released after a failed write would otherwise keep it waiting for ever.
 *
 * The flasher and the console share one open Transport: opening this port on an open
 * Transport borrows it and closing the port leaves it open; on a closed Transport the port
 * opens it and closes it again.
 */
export class WebSerialPort {
  private opened = false;
  private fatal = false;
  private ownsTransport = false;
  private currentReadable: ReadableStream<Uint8Array> | null = null;
  private currentWritable: WritableStream<Uint8Array> | null = null;
  private enqueue: ((chunk: Uint8Array) => void) | null = null;
  private failRead: ((err: Error) => void) | null = null;
  private unsubscribe: Array<() => void> = [];

  constructor(
    readonly transport: Transport,
    private readonly info: SerialPortInfo = {},
  ) {}

  getInfo(): SerialPortInfo {
    return { ...this.info };
  }

  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.opened || this.fatal) return null;
    this.currentReadable ??= this.createReadable();
    return this.currentReadable;
  }

  get writable(): WritableStream<Uint8Array> | null {
    if (!this.opened || this.fatal) return null;
    this.currentWritable ??= this.createWritable();
    return this.currentWritable;
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.opened) throw new DOMException('The port is already open.', 'InvalidStateError');
    if (!this.transport.isOpen) {
      await this.transport.open();
      this.ownsTransport = true;
    }
    if (this.transport.baud !== options.baudRate) await this.transport.setBaud(options.baudRate);
    this.unsubscribe = [
      this.transport.onData((chunk) => this.enqueue?.(new Uint8Array(chunk))),
      this.transport.onClose(() => this.lost()),
    ];
    this.fatal = false;
    this.opened = true;
    // Created now, not on first access, so bytes that arrive before the first read are kept.
    this.currentReadable = this.createReadable();
  }

  async setBaudRate(baud: number): Promise<void> {
    await this.transport.setBaud(baud);
  }

  async setSignals(signals: SerialOutputSignals): Promise<void> {
    if (signals.break) throw new DOMException('break is not supported by this transport', 'NotSupportedError');
    const lines: { dtr?: boolean; rts?: boolean } = {};
    if (signals.dataTerminalReady !== undefined) lines.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) lines.rts = signals.requestToSend;
    if (lines.dtr === undefined && lines.rts === undefined) return;
    await this.transport.setSignals(lines);
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    if (!this.fatal && (this.currentReadable?.locked || this.currentWritable?.locked)) {
      throw new DOMException('Cannot close a port whose streams are locked.', 'InvalidStateError');
    }
    this.opened = false;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    await this.currentReadable?.cancel().catch(() => undefined);
    await this.currentWritable?.abort().catch(() => undefined);
    this.currentReadable = null;
    this.currentWritable = null;
    this.enqueue = null;
    this.failRead = null;
    if (this.ownsTransport) {
      this.ownsTransport = false;
      await this.transport.close();
    }
  }

  private lost(): void {
    this.fatal = true;
    this.failRead?.(new DOMException('The device has been lost.', 'NetworkError'));
  }

  private createReadable(): ReadableStream<Uint8Array> {
    const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.enqueue = (chunk) => controller.enqueue(chunk);
        this.failRead = (err) => {
          this.enqueue = null;
          controller.error(err);
        };
      },
      cancel: () => {
        if (this.currentReadable === stream) {
          this.currentReadable = null;
          this.enqueue = null;
          this.failRead = null;
        }
      },
    });
    return stream;
  }

  private createWritable(): WritableStream<Uint8Array> {
    const stream: WritableStream<Uint8Array> = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        try {
          await this.transport.write(chunk);
        } catch (err) {
          if (!this.transport.isOpen) this.lost();
          throw err;
        }
      },
      close: () => {
        if (this.currentWritable === stream) this.currentWritable = null;
      },
      abort: () => {
        if (this.currentWritable === stream) this.currentWritable = null;
      },
    });
    return stream;
  }
}
