import { HilError } from '../errors.ts';

/** The two modem-control lines an ESP32 auto-reset circuit (or the USB-Serial/JTAG) reacts to. */
export interface Signals {
  dtr?: boolean;
  rts?: boolean;
}

/**
 * A byte stream to one board, local or remote. Every implementation delivers bytes exactly as
 * the board sent them (no line handling: that is console/'s job).
 */
export interface Transport {
  /** What was asked for: a device path, serial:<sn>, usb:<location> or rfc2217://host:port. */
  readonly url: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: Uint8Array | string): Promise<void>;
  /** Returns the unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called once per close: without an error after close(), with one when the port was lost. */
  onClose(listener: (err?: Error) => void): () => void;
  /**
   * Rejects with SignalsUnsupportedError where the port cannot take them (pty); for RFC 2217
   * servers that never acknowledge, resolves after a bounded wait and logs a warning once.
   */
  setSignals(signals: Signals): Promise<void>;
  setBaud(baud: number): Promise<void>;
  readonly baud: number;
}

/** The port has no modem-control lines (a pty, some USB gadgets): no reset through DTR/RTS. */
export class SignalsUnsupportedError extends HilError {
  constructor(url: string) {
    super(
      `${url} cannot set DTR/RTS (the device has no modem-control lines, e.g. a pty)`,
      'use reset: none or a power driver that does not need DTR/RTS for this board',
    );
    this.name = 'SignalsUnsupportedError';
  }
}
