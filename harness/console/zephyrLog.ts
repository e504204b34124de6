import type { ZephyrLevel } from './events.ts';

export interface ZephyrLogLine {
  timestamp?: string;
  uptimeMs?: number;
  level: ZephyrLevel;
  module: string;
  message: string;
}

// `[hh:mm:ss.mmm,uuu] <lvl> module: message` (Zephyr's default text format); the timestamp is
// absent when CONFIG_LOG_BACKEND_SHOW_TIMESTAMP is off.
const LOG = /^(?:\[(\d+):(\d\d):(\d\d)\.(\d{3}),(\d{3})\] )?<(err|wrn|inf|dbg)> ([^\s:]+): ?(.*)$/;

export function parseZephyrLog(text: string): ZephyrLogLine | undefined {
  const m = LOG.exec(text);
  if (!m) return undefined;
  const [, h, min, s, msPart, us, level, module, message] = m;
  const line: ZephyrLogLine = { level: level as ZephyrLevel, module: module!, message: message! };
  if (h !== undefined) {
    line.timestamp = `${h}:${min}:${s}.${msPart},${us}`;
    line.uptimeMs = ((Number(h) * 60 + Number(min)) * 60 + Number(s)) * 1000 + Number(msPart) + Number(us) / 1000;
  }
  return line;
}

// Zephyr's banner; since Zephyr 3.x an application may put its own name first
// (`*** Booting MyApp v1.0 - Zephyr OS v3.7.0 ***`), so only the Zephyr part is anchored.
const BANNER = /\*\*\* Booting (?:.* - )?Zephyr OS (?:build )?(\S+)\s*\*\*\*/;

/** The Zephyr version in a boot banner line. */
export function parseZephyrBanner(text: string): string | undefined {
  return BANNER.exec(text)?.[1];
}
