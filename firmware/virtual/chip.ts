/**
 * The virtual ESP32-S3: reset logic (EN, GPIO0 strap, reset causes), the ROM's boot (banner,
 * download mode or the image check), and the running firmware. Every boot is a Run; a reset
 * ends the Run, and anything the old firmware still tries to do afterwards goes nowhere, as
 * on a chip whose CPU was reset.
 */
import type { App, AppDescriptor, AppFactory, Chip } from './app.ts';
import { DownloadMode } from './download/index.ts';
import type { FlashStore } from './flash.ts';
import type { Network } from './network.ts';
import { checkImage } from './image.ts';
import type { PinLevels } from './pins.ts';
import { romBanner, romLoadLines, simpleBootLines, WAITING_FOR_DOWNLOAD, type ResetCause } from './rom.ts';

/**
 * EN rises through an RC network (10 kΩ · 1 µF on the DevKitC): the chip leaves reset a fixed
 * time after EN is released — the lines moving afterwards do not delay it — and boots the way
 * GPIO0 stood. On silicon that is some 14 ms (EN crossing its threshold at about 0.75 VDD) plus
 * the straps' 3 ms hold. The model waits longer, on purpose: esptool's classic reset moves the
 * lines one at a time ("DTR on", then "RTS off"), so between them EN is already high with GPIO0
 * still high, and over RFC 2217 pyserial's client (inside esptool and esp_rfc2217_server) waits
 * for each SET-CONTROL answer, polling every 50 ms. GPIO0 therefore counts as low if it was low
 * at any moment since EN was released. A client that moves both lines in one go (the harness
 * does within a millisecond or two) finds the chip in download mode EN_RISE_MS after "DTR on".
 */
export const EN_RISE_MS = 100;

/** The ROM retries an unreadable header a few times, then the board looks dead. */
const HEADER_RETRIES = 4;
const HEADER_RETRY_MS = 100;

export interface ChipOptions {
  flash: FlashStore;
  mac: Buffer;
  /** UART TX towards the host. */
  uartWrite: (data: Buffer) => void;
  /** The UART's baud as the firmware (or the ROM's CHANGE_BAUDRATE) sets it. */
  setBaud: (baud: number) => void;
  /** Drops bytes still on the wire; a reset clears the UART FIFOs. */
  purgeUart: () => void;
  selectApp: (descriptor: AppDescriptor) => AppFactory;
  /** BOOT held down (GPIO0 low) whatever DTR does: every reset enters download mode. */
  strapDownload: boolean;
  /** Wire timing on (`--pace`): flash erases and MD5 sums take the time they take on a chip. */
  pace: boolean;
  /** Diagnostics for the process's stderr; never on the UART. */
  log: (message: string) => void;
  /** The WiFi link: outgoing TCP, silenced on every reset and power loss. */
  network: Pick<Network, 'connect' | 'vanish'>;
}

/** One boot of the chip, from reset release to the next reset. */
class Run {
  private readonly timers = new Set<NodeJS.Timeout>();
  private listener?: (data: Buffer) => void;
  private stopper?: () => void;
  private readonly bootedAt = performance.now();
  active = true;

  constructor(private readonly write: (data: Buffer) => void) {}

  uart(data: string | Uint8Array): void {
    if (this.active) this.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
  }

  lines(lines: string[]): void {
    this.uart(lines.map((l) => `${l}\r\n`).join(''));
  }

  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.active) fn();
    }, ms);
    this.timers.add(timer);
  }

  uptimeMs(): number {
    return performance.now() - this.bootedAt;
  }

  onReceive(listener: (data: Buffer) => void): void {
    this.listener = listener;
  }

  receive(data: Buffer): void {
    if (this.active) this.listener?.(data);
  }

  onStop(stopper: () => void): void {
    this.stopper = stopper;
  }

  end(): void {
    this.active = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listener = undefined;
    const stopper = this.stopper;
    this.stopper = undefined;
    stopper?.();
  }
}

export class VirtualChip {
  private pins: PinLevels = { en: true, gpio0: true };
  private run?: Run;
  private release?: NodeJS.Timeout;
  /** GPIO0 was low at some moment since EN was released. */
  private strappedLow = false;
  /**
   * The boot mode sampled from the strapping pins at the last chip reset (power-on, EN, RTC
   * watchdog). A software reset (the ROM's or the stub's reboot, `kernel reboot`) does not
   * sample them again: it boots the way the last chip reset chose.
   */
  private latchedDownload = false;

  constructor(private readonly opts: ChipOptions) {}

  /** Power applied: the process has just started (or restarted after a power cut). */
  powerOn(): void {
    this.boot('POWERON');
  }

  /** Power removed in an orderly way (SIGTERM): the firmware stops, nothing more is printed. */
  powerOff(): void {
    clearTimeout(this.release);
    this.endRun();
  }

  /** Pin levels from the auto-reset circuit (or the strap). */
  setPins(levels: PinLevels): void {
    const wasEnabled = this.pins.en;
    this.pins = levels;
    if (!levels.en) {
      if (!wasEnabled) return;
      clearTimeout(this.release);
      this.release = undefined;
      this.endRun();
      this.opts.log('EN low: held in reset');
      return;
    }
    const rising = !wasEnabled || this.release !== undefined;
    if (!rising) return;
    this.strappedLow = (wasEnabled && this.strappedLow) || !levels.gpio0;
    if (wasEnabled) return; // the RC is charging already: a later line change does not restart it
    // An EN reset reads as a power-on on the ESP32-S3 (CONTRACT.md §6).
    this.release = setTimeout(() => {
      this.release = undefined;
      this.boot('POWERON', this.strappedLow);
    }, EN_RISE_MS);
  }

  /** UART RX: bytes from the host. */
  receive(data: Buffer): void {
    this.run?.receive(data);
  }

  /**
   * A reset the chip does to itself: a software reset keeps the latched boot mode; the RTC
   * watchdog's RTC reset samples the straps again; `runUserCode` is the loader jumping to the
   * flash boot whatever the straps said.
   */
  reset(cause: ResetCause, how: 'software' | 'runUserCode' = 'software'): void {
    // Deferred: the caller is the firmware (or the ROM loader) that is being reset.
    setImmediate(() => {
      if (!this.pins.en || this.release) return;
      if (cause === 'RTCWDT_RTC_RST') this.boot(cause, !this.pins.gpio0);
      else this.boot(cause, undefined, how === 'runUserCode' ? false : this.latchedDownload);
    });
  }

  private endRun(): void {
    if (this.run) this.opts.network.vanish();
    this.run?.end();
    this.run = undefined;
    this.opts.purgeUart();
  }

  /** A chip reset samples GPIO0 (`gpio0Low`); a software reset passes the mode it keeps. */
  private boot(cause: ResetCause, gpio0Low = !this.pins.gpio0, kept?: boolean): void {
    this.endRun();
    const run = new Run(this.opts.uartWrite);
    this.run = run;
    const download = kept ?? (this.opts.strapDownload || gpio0Low);
    if (kept === undefined) this.latchedDownload = download;
    this.opts.log(`boot rst=${cause} ${download ? 'download' : 'flash'}`);
    // The ROM always starts at 115200 baud; the host may have to follow (esptool does).
    this.opts.setBaud(115200);
    run.lines(romBanner(cause, download));
    if (download) this.download(run);
    else this.flashBoot(run);
  }

  private download(run: Run): void {
    run.lines([WAITING_FOR_DOWNLOAD]);
    const loader = new DownloadMode({
      flash: this.opts.flash,
      mac: this.opts.mac,
      write: (bytes: Buffer) => run.uart(bytes),
      setBaud: (baud: number) => {
        if (run.active) this.opts.setBaud(baud);
      },
      pace: this.opts.pace,
      reset: (kind) => {
        if (!run.active) return;
        if (kind === 'rtcWatchdog') this.reset('RTCWDT_RTC_RST');
        // The loaders' reboot is a software system reset; "run user code" enters the flash boot.
        else this.reset('RTC_SW_SYS_RST', kind);
      },
    });
    run.onReceive((data) => loader.feed(data));
    run.onStop(() => loader.stop());
  }

  private flashBoot(run: Run): void {
    const flash = this.opts.flash;
    const image = checkImage((offset, length) => flash.read(offset, length), flash.size);
    if (!image.ok) {
      this.opts.log(`image rejected: ${image.romLine}`);
      run.lines([image.romLine]);
      if (image.kind === 'header') {
        for (let i = 1; i < HEADER_RETRIES; i++) run.after(i * HEADER_RETRY_MS, () => run.lines([image.romLine]));
      }
      return;
    }
    run.lines([...romLoadLines(image), ...simpleBootLines(image)]);
    const factory = this.opts.selectApp(image.descriptor);
    const chip: Chip = {
      uartWrite: (data) => run.uart(data),
      onUartData: (listener) => run.onReceive(listener),
      flashRead: (offset, length) => flash.read(offset, length),
      flashWrite: (offset, data) => {
        if (run.active) flash.write(offset, data);
      },
      flashErase: (offset, length) => {
        if (run.active) flash.erase(offset, length);
      },
      uptimeMs: () => run.uptimeMs(),
      mac: this.opts.mac,
      connect: (host, port) => this.opts.network.connect(host, port),
      softwareReset: () => {
        if (run.active) this.reset('RTC_SW_SYS_RST');
      },
    };
    run.after(0, () => {
      this.opts.log(`app start project=${image.descriptor.projectName} version=${image.descriptor.version}`);
      const app: App = factory(chip, image.descriptor);
      run.onStop(() => app.stop());
    });
  }
}
