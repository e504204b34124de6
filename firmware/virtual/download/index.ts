/**
 * The virtual ESP32-S3's UART download mode: the ROM loader and, once esptool uploads it,
 * the flasher stub, spoken over SLIP (esptool serial protocol). The chip model owns the pins
 * and resets; it feeds UART bytes in and carries the answers out.
 */
import type { FlashStore } from '../flash.ts';
import { Loader, type ResetKind } from './loader.ts';
import { SlipDecoder, slipEncode } from './slip.ts';

export interface DownloadModeOptions {
  flash: FlashStore;
  /** 6 bytes, from the board identity; READ_REG of the MAC eFuse words returns it. */
  mac: Buffer;
  /** Towards the host (UART TX). */
  write: (bytes: Buffer) => void;
  /** Called right after the CHANGE_BAUDRATE answer has been written. */
  setBaud: (baud: number) => void;
  /** FLASH_END asking to leave the loader, the stub's RUN_USER_CODE, an armed RTC watchdog. */
  reset: (kind: ResetKind) => void;
  /** Erases and MD5 sums take chip time (the board runs with `--pace`). */
  pace: boolean;
}

export class DownloadMode {
  private readonly decoder = new SlipDecoder((frame) => this.enqueue(frame));
  private loader: Loader;
  /** Frames wait here while an earlier one (a compressed block) is still being inflated. */
  private queue: Buffer[] = [];
  private busy = false;

  constructor(private readonly opts: DownloadModeOptions) {
    this.loader = this.newLoader();
  }

  /** UART RX from the host, in any chunking. */
  feed(bytes: Buffer): void {
    this.decoder.push(bytes);
  }

  /** A reset happened: back to a fresh ROM loader, nothing half-received kept. */
  stop(): void {
    this.loader.close();
    this.loader = this.newLoader();
    this.queue = [];
    this.busy = false;
    this.decoder.reset();
  }

  private newLoader(): Loader {
    const { flash, mac, write, setBaud, reset, pace } = this.opts;
    return new Loader({ flash, mac, setBaud, reset, pace, send: (packet) => write(slipEncode(packet)) });
  }

  private enqueue(frame: Buffer): void {
    this.queue.push(frame);
    if (!this.busy) this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const loader = this.loader;
      const pending = loader.handle(this.queue.shift()!);
      if (pending) {
        this.busy = true;
        void pending.then(() => {
          if (this.loader !== loader) return; // reset meanwhile: stop() cleared the queue
          this.busy = false;
          this.pump();
        });
        return;
      }
    }
  }
}
