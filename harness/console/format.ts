import type { LogEvent } from './events.ts';

/** The kinds that only restate a line; every other kind names what the line means. */
const PLAIN = new Set<LogEvent['kind']>(['line', 'zephyr.log', 'zephyr.banner', 'shell.prompt']);

const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/**
 * The human view of a console (`hil monitor`): one row per line, the seconds since the
 * console started, the event the line carries (if any), and the text. `events` are those of
 * one line, in the order the parser gave them (the line event first).
 */
export function formatLine(events: LogEvent[], colour: boolean): string {
  const line = events.find((e) => e.kind === 'line');
  if (!line || line.kind !== 'line') return '';
  const meaning = events.filter((e) => !PLAIN.has(e.kind)).map((e) => e.kind);
  const level = events.find((e) => e.kind === 'zephyr.log')?.level;
  const time = `${(line.t / 1000).toFixed(3).padStart(8)}`;
  const tag = meaning.join(' ').padEnd(18);
  if (!colour) return `${time} ${tag} ${line.text}`;
  const alarming = meaning.some((k) => k === 'zephyr.fatal' || k === 'rom.banner' || k === 'wamr.error');
  const tint = alarming || level === 'err' ? RED : level === 'wrn' ? YELLOW : '';
  return `${DIM}${time}${RESET} ${meaning.length ? BOLD : ''}${tag}${RESET} ${tint}${line.text}${tint ? RESET : ''}`;
}
