import type { Chip } from '../app.ts';
import { logLine, type Level } from './zephyrLog.ts';

export const PROMPT = 'uart:~$ ';

/**
 * The firmware's UART: log lines and the shell share it. A log line always starts a line of
 * its own, even when the shell left its prompt or an echoed command on the current one.
 */
export class ZephyrConsole {
  private atLineStart = true;

  constructor(private readonly chip: Pick<Chip, 'uartWrite' | 'uptimeMs'>) {}

  log(level: Level, module: string, message: string): void {
    this.newLine();
    this.write(logLine(this.chip.uptimeMs(), level, module, message));
  }

  /** Raw text: command output, echo, the prompt. */
  write(text: string | Buffer): void {
    if (text.length === 0) return;
    this.chip.uartWrite(text);
    this.atLineStart = text.at(-1) === (typeof text === 'string' ? '\n' : 0x0a);
  }

  prompt(): void {
    this.newLine();
    this.write(PROMPT);
  }

  private newLine(): void {
    if (!this.atLineStart) this.write('\r\n');
  }
}
