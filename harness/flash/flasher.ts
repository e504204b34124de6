import { ESPError, UnexpectedChipIdError, UnexpectedChipMagicError, type ESPLoader } from 'esptool-js';
import { HilError } from '../errors.ts';
import { log as rootLog, step, type Logger } from '../log.ts';
import type { Transport } from '../transport/transport.ts';
import { WebSerialPort, type SerialPortInfo } from './webSerial.ts';
import { BootWatch, type Booted } from './bootWatch.ts';
import { answeredAsStub, createLoader, md5Hex, padTo4, romMd5Hex, SyncDeadlineError } from './loader.ts';
import { hex, SETTINGS_PARTITION, type Firmware } from './manifest.ts';
import { LogProgress, type FlashProgress, type RegionOutcome } from './progress.ts';

/** How the host gets the chip into its ROM bootloader (lab.config.yaml `reset`). */
export type ResetStrategy = 'classic' | 'usb-jtag' | 'none';

export interface FlashTarget {
  /** The board's name, for messages and logs. */
  name: string;
  transport: Transport;
  reset: ResetStrategy;
  /** The console and ROM baud rate (default 115200). */
  baud?: number;
  /** The baud rate for writing, switched to once the stub runs (default: `baud`). */
  flashBaud?: number;
  /** USB ids of the port, when known: esptool-js reads them like Web Serial's getInfo(). */
  usb?: SerialPortInfo;
  log?: Logger;
}

export interface FlashOptions {
  /** Write every region even when the board already holds it. */
  force?: boolean;
  /** Also erase the settings partition (CONTRACT.md §2.2): the board forgets its provisioning. */
  eraseSettings?: boolean;
  settingsPartition?: { offset: number; size: number };
  /** How long to keep trying to sync with the ROM bootloader (default 10 s). */
  syncTimeoutMs?: number;
  /** How long the new app has to print its boot banner after the reset (default 15 s). */
  bootTimeoutMs?: number;
  /** Sessions to try when the link fails mid-way (flaky USB), default 3. */
  attempts?: number;
  /**
   * Reset into the app and wait for its banner (default true). False leaves the board in the
   * flasher stub, e.g. a board held in download mode by its strap that a person must reset.
   */
  awaitBoot?: boolean;
  progress?: FlashProgress;
}

export interface RegionResult {
  name: string;
  offset: number;
  bytes: number;
  outcome: RegionOutcome;
  ms: number;
  /** Write throughput (region bytes over write + verify time), for written regions. */
  bytesPerSecond?: number;
}

export interface FlashResult {
  board: string;
  url: string;
  regions: RegionResult[];
  /** What the new app printed at boot; absent with `awaitBoot: false`. */
  booted?: Booted;
  /** Wall time of the whole flash, from bootloader entry to the boot banner. */
  ms: number;
  attempts: number;
  /** The chip's factory MAC (from its eFuses), as esptool prints it: the board's identity. */
  mac: string;
}

interface SessionResult {
  regions: RegionResult[];
  mac: string;
}

interface Region {
  name: string;
  offset: number;
  data: Uint8Array;
}

const ROM_BAUD = 115200;
/** Time for a flaky USB link to settle (a port to re-enumerate) before the next session. */
const RETRY_DELAY_MS = 1000;
/** esptool.py's hard reset holds EN low (RTS) this long, with GPIO0 (DTR) released. */
const HARD_RESET_MS = 100;

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** Failures worth another session: garbled or missing replies, or the link itself went away. */
function isTransient(err: unknown, transport: Transport): boolean {
  return err instanceof ESPError || !transport.isOpen;
}

async function enterBootloader(loader: ESPLoader, target: FlashTarget, started: number, log: Logger): Promise<void> {
  // reset: none runs as default_reset with a strategy that touches no line (loader.ts), so
  // that its deadline, not an attempt count, bounds the wait for a person at the buttons.
  const mode = target.reset === 'usb-jtag' ? 'usb_reset' : 'default_reset';
  if (target.reset === 'none') {
    log.warn(`board ${target.name} has no reset lines wired: hold BOOT and press RESET now`);
  }
  try {
    await loader.connect(mode, Number.MAX_SAFE_INTEGER, true);
  } catch (err) {
    if (err instanceof UnexpectedChipIdError || err instanceof UnexpectedChipMagicError) {
      throw new HilError(`board on ${target.transport.url} is a chip esptool-js does not know (${err.message.split('.')[0]}), this bench expects ESP32-S3`, `check which board is plugged into ${target.name}'s port`, 1);
    }
    if (!(err instanceof SyncDeadlineError)) throw err;
    const seconds = Math.round((performance.now() - started) / 1000);
    throw new HilError(
      `board ${target.name} did not answer the bootloader sync within ${seconds} s — is it in download mode? hold BOOT and press RESET`,
      target.reset === 'none'
        ? 'with reset: none nothing but the buttons can put it there'
        : `reset: ${target.reset} pulsed DTR/RTS on ${target.transport.url}; if the board's auto-reset lines are not wired, set reset: none`,
      1,
    );
  }
  const chip = loader.chip.CHIP_NAME;
  if (chip !== 'ESP32-S3') {
    throw new HilError(`board on ${target.transport.url} is an ${chip}, this bench expects ESP32-S3`, `check which board is plugged into ${target.name}'s port`, 1);
  }
}

async function writeRegion(loader: ESPLoader, region: Region, force: boolean, progress: FlashProgress): Promise<RegionResult> {
  const image = padTo4(region.data);
  const started = performance.now();
  progress.begin(region.name, region.offset, region.data.length);
  const local = md5Hex(image);
  const onBoard = force ? undefined : await loader.flashMd5sum(region.offset, image.length);
  if (onBoard === local) {
    const ms = performance.now() - started;
    progress.end(region.name, 'unchanged', ms);
    return { name: region.name, offset: region.offset, bytes: region.data.length, outcome: 'unchanged', ms };
  }
  try {
    await loader.writeFlash({
      fileArray: [{ data: region.data, address: region.offset }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
      calculateMD5Hash: md5Hex,
      reportProgress: (_file, written, total) => progress.update(region.name, total > 0 ? written / total : 1),
    });
  } catch (err) {
    if (err instanceof ESPError && /MD5 of file does not match/.test(err.message)) {
      throw new HilError(`verify failed: ${region.name} at ${hex(region.offset)} on the board differs from the image after writing`, 'the flash may be worn or the link corrupts data; try --force at a lower flashBaud', 1);
    }
    throw err;
  }
  const ms = performance.now() - started;
  progress.end(region.name, 'written', ms);
  return {
    name: region.name,
    offset: region.offset,
    bytes: region.data.length,
    outcome: 'written',
    ms,
    bytesPerSecond: Math.round(region.data.length / (ms / 1000)),
  };
}

/**
 * The ROM computes SPI_FLASH_MD5 itself: asking it first spares the stub upload (at the ROM's
 * 115200 baud) when every region is already on the board. The ROM needs the flash attached.
 */
async function unchangedInRom(loader: ESPLoader, regions: Region[], progress: FlashProgress): Promise<RegionResult[] | undefined> {
  const started = performance.now();
  await loader.flashSpiAttach(0);
  for (const region of regions) {
    const image = padTo4(region.data);
    if ((await romMd5Hex(loader, region.offset, image.length)) !== md5Hex(image)) return undefined;
  }
  const ms = performance.now() - started;
  return regions.map((region) => {
    progress.begin(region.name, region.offset, region.data.length);
    progress.end(region.name, 'unchanged', ms);
    return { name: region.name, offset: region.offset, bytes: region.data.length, outcome: 'unchanged' as const, ms };
  });
}

/** One esptool-js session: bootloader, chip check, stub, each region compared and written. */
async function session(target: FlashTarget, regions: Region[], options: Required<Pick<FlashOptions, 'force' | 'syncTimeoutMs'>> & { progress: FlashProgress }, log: Logger): Promise<SessionResult> {
  const baud = target.baud ?? ROM_BAUD;
  const port = new WebSerialPort(target.transport, target.usb);
  const flashBaud = target.flashBaud ?? baud;
  const started = performance.now();
  let entering = true;
  const expired = () => entering && performance.now() - started > options.syncTimeoutMs;
  const loader = createLoader(port, { baud, flashBaud, log, expired, noReset: target.reset === 'none' });
  try {
    await enterBootloader(loader, target, started, log);
    entering = false;
    const mac = await loader.chip.readMac(loader);
    // A board left in the stub by an earlier session answers SYNC as the stub: no ROM to ask.
    const inRom = !answeredAsStub(loader);
    const unchanged = options.force || !inRom ? undefined : await unchangedInRom(loader, regions, options.progress);
    if (unchanged) return { regions: unchanged, mac };
    await loader.runStub();
    if (flashBaud !== baud) {
      await loader.changeBaud();
      // esptool-js falls back to the ROM baud by itself when the link or the board refuses.
      if (target.transport.baud !== flashBaud) log.warn(`board ${target.name}: the link refused ${flashBaud} baud; writing at ${target.transport.baud} baud`);
    }
    const results: RegionResult[] = [];
    for (const region of regions) results.push(await writeRegion(loader, region, options.force, options.progress));
    return { regions: results, mac };
  } finally {
    // Hands the bytes back to the console; the Transport itself stays open.
    await loader.transport.disconnect().catch(() => undefined);
    if (target.transport.isOpen && target.transport.baud !== baud) await target.transport.setBaud(baud).catch(() => undefined);
  }
}

async function resetIntoApp(target: FlashTarget, log: Logger): Promise<void> {
  if (target.reset === 'none') {
    log.warn(`board ${target.name} has no reset lines wired: release BOOT and press RESET to start the new image`);
    return;
  }
  // esptool-js 0.7.0's HardReset only releases RTS, which is no edge after its classic reset
  // already released it; so the flasher pulses EN itself, as esptool.py does.
  await target.transport.setSignals({ dtr: false, rts: true });
  await new Promise((resolve) => setTimeout(resolve, HARD_RESET_MS));
  await target.transport.setSignals({ rts: false });
}

/** Hard reset, then the proof: the banner, and the image's own version in the `boot` line. */
async function bootNewImage(target: FlashTarget, fw: Firmware, timeoutMs: number, log: Logger): Promise<Booted> {
  const watch = new BootWatch(target.transport);
  let booted: Booted;
  try {
    await resetIntoApp(target, log);
    booted = await watch.wait(target.name, timeoutMs, fw.app !== undefined);
  } finally {
    watch.dispose();
  }
  if (fw.app && booted.version !== undefined && booted.version !== fw.app.version) {
    throw new HilError(`board ${target.name} booted version ${booted.version}, but the image is version ${fw.app.version}`, 'the write did not take effect; run hil flash --force', 1);
  }
  return booted;
}

/**
 * Flashes one board: ROM bootloader by the board's reset strategy, ESP32-S3 check, stub,
 * per region an MD5 compare that skips what the board already holds (unless `force`),
 * compressed write with MD5 verify, optional settings erase, hard reset, and proof that the
 * new app started (its boot banner, and its version when the image names one). Transient link
 * failures start a new session, which skips the regions already written.
 *
 * The Transport may be open and shared with a Console: esptool-js owns the bytes during the
 * session, the Console just records them. A closed Transport is opened and closed again.
 */
export async function flashBoard(target: FlashTarget, fw: Firmware, options: FlashOptions = {}): Promise<FlashResult> {
  const log = target.log ?? rootLog().child({ board: target.name });
  const attempts = options.attempts ?? 3;
  const regions: Region[] = fw.regions.map((r) => ({ name: r.name, offset: r.offset, data: r.data }));
  if (options.eraseSettings) {
    const partition = options.settingsPartition ?? SETTINGS_PARTITION;
    // Written as 0xFF (what an erase leaves) so the MD5 verify proves the erase too.
    regions.push({ name: 'settings', offset: partition.offset, data: new Uint8Array(partition.size).fill(0xff) });
  }
  const progress = options.progress ?? new LogProgress(log);
  const opened = !target.transport.isOpen;
  return step(log, 'flash', { source: fw.source }, async () => {
    const started = performance.now();
    if (opened) await target.transport.open();
    try {
      let results: SessionResult | undefined;
      let attempt = 0;
      while (!results) {
        attempt++;
        try {
          // A dropped link (a USB port that re-enumerated, a lost TCP connection) is reopened here,
          // so that the session's port borrows it and the console keeps it after the flash.
          if (!target.transport.isOpen) await target.transport.open();
          results = await session(target, regions, { force: options.force ?? false, syncTimeoutMs: options.syncTimeoutMs ?? 10_000, progress }, log);
        } catch (err) {
          if (!isTransient(err, target.transport)) throw err;
          const why = oneLine((err as Error).message);
          if (attempt >= attempts) {
            throw new HilError(`flashing ${target.name} failed after ${attempt} attempts: ${why}`, 'check the USB cable and port, or lower flashBaud', 1);
          }
          log.warn({ attempt, err: why }, `flash attempt ${attempt} failed, retrying`);
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        }
      }
      const booted = options.awaitBoot === false ? undefined : await bootNewImage(target, fw, options.bootTimeoutMs ?? 15_000, log);
      return {
        board: target.name,
        url: target.transport.url,
        regions: results.regions,
        mac: results.mac,
        ...(booted ? { booted } : {}),
        ms: performance.now() - started,
        attempts: attempt,
      };
    } finally {
      if (opened) await target.transport.close().catch(() => undefined);
    }
  });
}
