import { ConsoleParser } from '../console/parser.ts';
import { romRejection } from '../console/romBanner.ts';
import { HilError } from '../errors.ts';
import type { Transport } from '../transport/transport.ts';

const UPSTREAM_BOOT = /<inf> main: Starting Proplet\.\.\.\s*$/;

export interface Booted {
  zephyr: string;
  /** The firmware version from the `boot` line, when the app printed one (upstream's prints none). */
  version?: string;
}

/**
 * Proof that the flashed app started: watches the raw console bytes from before the reset
 * until the boot banner (and, when the image names its version, the `boot` line) appear.
 * It reads bytes directly rather than through the Console so it sees the boot whether or not
 * a Console is attached (an attached Console records the same bytes in its transcript), but
 * with the Console's own parser: the banner and the `boot` event (CONTRACT.md §2.1) have one
 * grammar, and only complete lines count — `version=1.0` never passes for `version=1.0.0`.
 */
export class BootWatch {
  private readonly parser = new ConsoleParser();
  private zephyr?: string;
  private version?: string;
  /** The app's boot line was seen: ours (with its version) or upstream's, which names none. */
  private started = false;
  private rejected?: string;
  private lastLine = '';
  private unsubscribe?: () => void;
  private wake?: () => void;

  constructor(transport: Transport) {
    this.unsubscribe = transport.onData((chunk) => {
      for (const event of this.parser.push(chunk, 0)) {
        if (event.kind === 'zephyr.banner') this.zephyr = event.version;
        else if (event.kind === 'boot') {
          this.version = event.version;
          this.started = true;
        } else if (event.kind === 'line') {
          // Upstream's embedded proplet prints `Starting Proplet...` with no version (docs/upstream-firmware.md).
          if (UPSTREAM_BOOT.test(event.text)) this.started = true;
          if (event.text.trim() !== '') this.lastLine = event.text.trim();
          this.rejected ??= this.zephyr === undefined ? romRejection(event.text) : undefined;
        }
      }
      this.wake?.();
    });
  }

  /** Resolves when the banner (and the version line if `expectVersionLine`) is seen. */
  async wait(board: string, timeoutMs: number, expectVersionLine: boolean): Promise<Booted> {
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const { zephyr, version, rejected, started } = this;
        if (zephyr !== undefined && (started || !expectVersionLine)) return { zephyr, ...(version !== undefined ? { version } : {}) };
        if (rejected && zephyr === undefined) {
          throw new HilError(`board ${board} did not boot the new image: the ROM says "${rejected}"`, 'the image at 0x0 is not a bootable ESP32-S3 image', 1);
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.dispose();
    }
    const seen = this.zephyr !== undefined ? 'the Zephyr banner but no "Starting Proplet version=" line' : 'no Zephyr boot banner';
    const last = this.lastLine.slice(0, 120);
    throw new HilError(
      `board ${board} did not show that the new image started within ${+(timeoutMs / 1000).toFixed(1)} s after reset: saw ${seen}${last ? ` (last line: ${JSON.stringify(last)})` : ''}`,
      'check the console with hil monitor',
      1,
    );
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
