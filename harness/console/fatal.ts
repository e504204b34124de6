/**
 * Zephyr's fatal error report. On Xtensa the `os` module logs the exception first
 * (`** FATAL EXCEPTION`, `** CPU 0 EXCCAUSE 29 (store prohibited)`, registers), then
 * `>>> ZEPHYR FATAL ERROR <code>: <reason> on CPU <n>`, `Current thread: …` and `Halting
 * system`. The event is raised at the `>>>` line, the one every architecture prints, with the
 * dump collected so far; a test fails at once instead of waiting for lines a halted board
 * may never print.
 */
export interface Fatal {
  reason: string;
  code: number;
  cpu: number;
  lines: string[];
}

const START = /\*\* FATAL EXCEPTION/;
const FATAL = />>> ZEPHYR FATAL ERROR (\d+): (.+?) on CPU (\d+)/;
const MAX_DUMP_LINES = 64;

export class FatalParser {
  private dump: string[] | undefined;

  line(text: string): Fatal | undefined {
    if (START.test(text)) this.dump = [];
    if (this.dump) this.dump.push(text);
    // A dump that never reached its `>>>` line (a reset cut it short) must not leak into the next.
    if (this.dump && this.dump.length > MAX_DUMP_LINES) this.dump = undefined;
    const m = FATAL.exec(text);
    if (!m) return undefined;
    const lines = this.dump ?? [text];
    this.dump = undefined;
    return { code: Number(m[1]), reason: m[2]!, cpu: Number(m[3]), lines };
  }
}
