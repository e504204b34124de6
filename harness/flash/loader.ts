import { createHash } from 'node:crypto';
import { ClassicReset, ESPError, ESPLoader, Transport as EsptoolTransport, UsbJtagSerialReset } from 'esptool-js';
import type { Logger } from '../log.ts';
import type { WebSerialPort } from './webSerial.ts';

/**
 * esptool-js, unmodified, on a WebSerialPort. Its chatter (which it would print with
 * console.log) goes to the board's logger at debug/trace level instead, so stdout stays clean.
 */
class LoggedTransport extends EsptoolTransport {
  constructor(
    private readonly port: WebSerialPort,
    private readonly logger: Logger,
  ) {
    // esptool-js types its device as the DOM SerialPort; WebSerialPort implements the part it uses.
    super(port as unknown as ConstructorParameters<typeof EsptoolTransport>[0], false, true);
  }

  override trace(message: string): void {
    this.logger.trace({ esptool: 'transport' }, message);
  }

  /**
   * esptool-js waits out its full read timeout even when the port is gone, and retries each
   * block three times; a lost port (no readable stream, as Web Serial has it) fails at once so
   * that the flasher can start its next session seconds sooner.
   */
  override async read(timeout: number): Promise<Uint8Array> {
    if (!this.port.readable) throw new ESPError('the serial port was lost');
    const packet = await super.read(timeout);
    // A SYNC answer's value word: the ROM echoes the sync word, the flasher stub answers 0
    // (esptool's serial protocol). esptool-js keeps what it concluded private.
    if (packet.length >= 8 && packet[0] === 1 && packet[1] === SYNC_OP) this.syncValue = Buffer.from(packet).readUInt32LE(4);
    return packet;
  }

  /** The value of the last SYNC answer read; undefined before one. */
  syncValue: number | undefined;
}

const SYNC_OP = 0x08;

/** The board answered the last SYNC as the flasher stub (left running by an earlier session), not as the ROM. */
export function answeredAsStub(loader: ESPLoader): boolean {
  return loader.transport instanceof LoggedTransport && loader.transport.syncValue === 0;
}

/** Thrown by a reset strategy once the sync deadline has passed: ends esptool-js's connect loop. */
export class SyncDeadlineError extends Error {}

/** With reset: none, the pause between sync attempts, so a chatty console cannot make them spin. */
const NO_RESET_PAUSE_MS = 100;
/** The ROM's last banner line in download mode: from then on its loader listens. */
const ROM_READY = Buffer.from('waiting for download');
/** How long after a reset the ROM's banner may still be coming in. */
const BANNER_WAIT_MS = 150;
const BANNER_POLL_MS = 2;

/**
 * After a reset, waits (boundedly) until the ROM has printed "waiting for download". A SYNC
 * sent while the banner is still arriving fails at once in esptool-js ("invalid head of
 * packet"), and it retries at once too, so a banner that outlasts its reset sequence — a chip
 * slower out of reset than the sequence assumes (a larger EN capacitor; a board behind a
 * server that runs its own, longer sequence) — can burn all of a reset's sync attempts and
 * cost a second, slower reset. Where the banner is already in, this costs nothing.
 */
async function untilRomReady(transport: EsptoolTransport): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < BANNER_WAIT_MS) {
    if (Buffer.from(transport.peek()).includes(ROM_READY)) return;
    await new Promise((resolve) => setTimeout(resolve, BANNER_POLL_MS));
  }
}

/**
 * esptool-js's own reset strategies, each refusing to run once `expired()`: esptool-js counts
 * connect attempts, the flasher wants a bound in seconds whatever each attempt costs. With
 * reset: none the strategy touches no line and only paces the attempts while a person holds
 * BOOT and presses RESET.
 */
function deadlineResets(expired: () => boolean, none: boolean) {
  const guard = <T extends { reset(): Promise<void> }>(inner: T, transport: EsptoolTransport): T => {
    const pulse = inner.reset.bind(inner);
    const reset = none
      ? () => new Promise<void>((resolve) => setTimeout(resolve, NO_RESET_PAUSE_MS))
      : async () => {
          await pulse();
          await untilRomReady(transport);
        };
    inner.reset = async () => {
      if (expired()) throw new SyncDeadlineError();
      await reset();
    };
    return inner;
  };
  return {
    classicReset: (transport: EsptoolTransport, delay: number) => guard(new ClassicReset(transport, delay), transport),
    usbJTAGSerialReset: (transport: EsptoolTransport) => guard(new UsbJtagSerialReset(transport), transport),
  };
}

export interface LoaderOptions {
  baud: number;
  flashBaud: number;
  log: Logger;
  /** True once bootloader entry should give up. */
  expired: () => boolean;
  /** The board has no reset lines: never touch DTR/RTS. */
  noReset: boolean;
}

export function createLoader(port: WebSerialPort, options: LoaderOptions): ESPLoader {
  const { log } = options;
  return new ESPLoader({
    resetConstructors: deadlineResets(options.expired, options.noReset),
    transport: new LoggedTransport(port, log),
    baudrate: options.flashBaud,
    romBaudrate: options.baud,
    terminal: {
      clean: () => undefined,
      write: (text) => {
        if (text.trim()) log.debug({ esptool: 'loader' }, text.trim());
      },
      writeLine: (text) => {
        if (text.trim()) log.debug({ esptool: 'loader' }, text.trim());
      },
    },
  });
}

/**
 * SPI_FLASH_MD5 from the ROM loader: its answer is the digest as 32 ASCII hex characters,
 * which esptool-js 0.7.0 takes for raw bytes and hex-encodes once more; decoded here.
 */
export async function romMd5Hex(loader: ESPLoader, offset: number, size: number): Promise<string> {
  const twice = await loader.flashMd5sum(offset, size);
  return loader.IS_STUB ? twice : Buffer.from(twice, 'hex').toString('ascii');
}

/** writeFlash's calculateMD5Hash: esptool-js compares it with the device's SPI_FLASH_MD5. */
export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** esptool-js pads every image to 4 bytes with 0xFF before writing and hashing (util.padTo). */
export function padTo4(data: Uint8Array): Uint8Array {
  const rest = data.length % 4;
  if (rest === 0) return data;
  const padded = new Uint8Array(data.length + 4 - rest).fill(0xff);
  padded.set(data);
  return padded;
}
