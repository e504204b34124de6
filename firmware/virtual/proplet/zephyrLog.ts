/** Zephyr's log line format with colours off (CONTRACT.md §2): `[hh:mm:ss.mmm,uuu] <lvl> module: message`. */
export type Level = 'err' | 'wrn' | 'inf';

export function logLine(uptimeMs: number, level: Level, module: string, message: string): string {
  const micros = Math.floor(uptimeMs * 1000);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const ms = Math.floor(micros / 1000);
  const stamp =
    `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}` +
    `.${pad(ms % 1000, 3)},${pad(micros % 1000, 3)}`;
  return `[${stamp}] <${level}> ${module}: ${message}\r\n`;
}
