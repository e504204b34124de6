import { HilError } from '../errors.ts';
import type { Transport } from '../transport/transport.ts';

/**
 * Zephyr's boot banner and the proplet's `boot` event (CONTRACT.md §2.1), matched only once
 * complete: bytes arrive in pieces, and `version=1.0` must not pass for `version=1.0.0`.
 */
const BANNER = /\*\*\* Booting Zephyr OS build (\S+) \*\*\*/;
// Upstream's embedded proplet prints `Starting Proplet...` with no version (docs/upstream-firmware.md).
const BOOT = /<inf> main: Starting Proplet(?: version=(\S+)|\.\.\.)\r?\n/;
/** What the ROM prints when the image at 0x0 is not bootable (REFERENCE.md). */
const ROM_REJECT = /invalid header: 0x[0-9a-f]+/;
const KEEP_CHARS = 8192;

export interface Booted {
  zephyr: string;
  /** The firmware version from the `boot` line, when the app printed one (upstream's prints none). */
  version?: string;
}

/**
 * Proof that the flashed app started: watches the raw console bytes from before the reset
 * until the boot banner (and, when the image names its version, the `boot` line) appear.
 * It reads bytes directly rather than through the Console so it sees the boot whether or not
 * a Console is attached; an attached Console records the same bytes in its transcript.
 */
export class BootWatch {
  private text = '';
  private unsubscribe?: () => void;
  private wake?: () => void;

  constructor(transport: Transport) {
    this.unsubscribe = transport.onData((chunk) => {
      this.text = (this.text + Buffer.from(chunk).toString('latin1')).slice(-KEEP_CHARS);
      this.wake?.();
    });
  }

  /** Resolves when the banner (and the version line if `expectVersionLine`) is seen. */
  async wait(board: string, timeoutMs: number, expectVersionLine: boolean): Promise<Booted> {
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const banner = BANNER.exec(this.text);
        const boot = BOOT.exec(this.text);
        if (banner && (boot || !expectVersionLine)) return { zephyr: banner[1]!, ...(boot?.[1] ? { version: boot[1] } : {}) };
        const rejected = ROM_REJECT.exec(this.text);
        if (rejected && !banner) {
          throw new HilError(`board ${board} did not boot the new image: the ROM says "${rejected[0]}"`, 'the image at 0x0 is not a bootable ESP32-S3 image', 1);
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
    const seen = BANNER.test(this.text) ? 'the Zephyr banner but no "Starting Proplet version=" line' : 'no Zephyr boot banner';
    const last = this.text.trim().split(/\r?\n/).slice(-1)[0]?.slice(0, 120) ?? '';
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
