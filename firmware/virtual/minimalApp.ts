/**
 * The firmware a board runs until a model of the real one claims the image (apps.ts): the
 * Zephyr boot banner, the `boot` event with the image's version (CONTRACT.md §2.1), a
 * periodic uptime line, and `kernel reboot cold` on the console, so resets can be exercised
 * end to end.
 */
import type { App, AppFactory } from './app.ts';

export const ZEPHYR_VERSION = 'v4.0.0';
const UPTIME_EVERY_MS = 5000;

/** Zephyr's log timestamp: `[hh:mm:ss.mmm,uuu]` since boot. */
export function zephyrTimestamp(uptimeMs: number): string {
  const us = Math.floor(uptimeMs * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const h = Math.floor(us / 3_600_000_000);
  const m = Math.floor(us / 60_000_000) % 60;
  const s = Math.floor(us / 1_000_000) % 60;
  return `[${pad(h)}:${pad(m)}:${pad(s)}.${pad(Math.floor(us / 1000) % 1000, 3)},${pad(us % 1000, 3)}]`;
}

export const minimalApp: AppFactory = (chip, descriptor): App => {
  const log = (message: string) => chip.uartWrite(`${zephyrTimestamp(chip.uptimeMs())} <inf> main: ${message}\r\n`);
  chip.uartWrite(`*** Booting Zephyr OS build ${ZEPHYR_VERSION} ***\r\n`);
  log(`Starting Proplet version=${descriptor.version}`);
  const uptime = setInterval(() => log(`uptime seconds=${Math.round(chip.uptimeMs() / 1000)}`), UPTIME_EVERY_MS);
  let line = '';
  chip.onUartData((data) => {
    line += data.toString('latin1');
    let end: number;
    while ((end = line.search(/[\r\n]/)) >= 0) {
      const command = line.slice(0, end).trim();
      line = line.slice(end + 1);
      if (command === 'kernel reboot cold') chip.softwareReset();
    }
  });
  return { stop: () => clearInterval(uptime) };
};
