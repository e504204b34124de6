import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

// The contract's console events (CONTRACT.md §2.1) must be emitted by both firmwares.
//
// Conventions the two sides keep:
// - C (firmware/zephyr): event `a.b` is `#define EVT_A_B "<format>"` in src/core/events.h; the
//   format is the contract's message with each `<…>` placeholder as one printf conversion
//   (`<k1>,<k2>,…` is one list); it is logged as `LOG_INF|LOG_WRN|LOG_ERR(EVT_A_B` with the
//   contract's level, from a file whose LOG_MODULE_REGISTER/DECLARE names the contract's
//   module. `boot.banner` is Zephyr's own banner: prj.conf must keep CONFIG_BOOT_BANNER=y.
// - Virtual model (firmware/virtual, tests excluded): the message's literal text up to its
//   first `<` placeholder appears in its TypeScript sources.
const firmwareDir = dirname(fileURLToPath(import.meta.url));
const zephyrDir = join(firmwareDir, 'zephyr');
const virtualDir = join(firmwareDir, 'virtual');

interface ContractEvent {
  name: string;
  level: string;
  module: string;
  message: string;
}

async function contractEvents(): Promise<ContractEvent[]> {
  const text = await readFile(join(firmwareDir, 'CONTRACT.md'), 'utf8');
  const start = text.indexOf('### 2.1');
  const end = text.indexOf('\n### ', start + 1);
  if (start < 0 || end < 0) throw new Error('CONTRACT.md has no §2.1 events table');
  const events: ContractEvent[] = [];
  for (const line of text.slice(start, end).split('\n')) {
    // Cells are split on pipes that markdown does not escape (`<0\|1>` stays whole).
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
    const name = /^`([a-z_.]+)`$/.exec(cells[1] ?? '')?.[1];
    const message = /^`([^`]+)`/.exec(cells[4] ?? '')?.[1];
    if (name === undefined || message === undefined) continue;
    events.push({ name, level: cells[2], module: cells[3].replaceAll('`', ''), message });
  }
  return events;
}

async function sourceFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && pattern.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !relative(dir, path).split('/').includes('node_modules'));
}

const PLACEHOLDER = '\u0000';

/** The contract text with every placeholder (and `<a>,<b>,…` lists) as one marker. */
function contractShape(message: string): string {
  return message
    .replace(/<[^>]*>/g, PLACEHOLDER)
    .replace(new RegExp(`${PLACEHOLDER}(?:,${PLACEHOLDER})*,…`, 'g'), PLACEHOLDER);
}

/** A printf format with every conversion as one marker. */
function formatShape(format: string): string {
  return format.replace(/%%|%[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXcsp]/g, (m) =>
    m === '%%' ? '%' : PLACEHOLDER,
  );
}

const macroName = (event: string) => `EVT_${event.toUpperCase().replaceAll('.', '_')}`;
const LOG_MACRO: Record<string, string> = { inf: 'LOG_INF', wrn: 'LOG_WRN', err: 'LOG_ERR' };

test('CONTRACT.md §2.1 lists the events this check relies on', async () => {
  const events = await contractEvents();
  expect(events.map((e) => e.name)).toEqual(
    expect.arrayContaining(['boot.banner', 'boot', 'wasm.ready', 'mqtt.reconnect', 'task.watchdog']),
  );
  expect(events.length).toBeGreaterThanOrEqual(20);
});

test('every contract event is in the C sources with its text, level and module', async () => {
  const events = await contractEvents();
  const eventsHeader = await readFile(join(zephyrDir, 'src/core/events.h'), 'utf8').catch(() => '');
  const prjConf = await readFile(join(zephyrDir, 'prj.conf'), 'utf8').catch(() => '');
  const cFiles = (await sourceFiles(join(zephyrDir, 'src'), /\.c$/)).filter((f) => !f.includes('/core/'));
  const sources = await Promise.all(
    cFiles.map(async (path) => {
      const text = await readFile(path, 'utf8');
      const module = /LOG_MODULE_(?:REGISTER|DECLARE)\(\s*(\w+)/.exec(text)?.[1];
      return { path: relative(zephyrDir, path), text, module };
    }),
  );

  const problems: string[] = [];
  for (const event of events) {
    if (event.name === 'boot.banner') {
      if (!/^CONFIG_BOOT_BANNER=y$/m.test(prjConf)) problems.push(`${event.name}: prj.conf lacks CONFIG_BOOT_BANNER=y`);
      continue;
    }
    const macro = macroName(event.name);
    const defined = new RegExp(`^#define ${macro} "((?:[^"\\\\]|\\\\.)*)"$`, 'm').exec(eventsHeader)?.[1];
    if (defined === undefined) {
      problems.push(`${event.name}: no ${macro} in src/core/events.h`);
      continue;
    }
    if (formatShape(defined) !== contractShape(event.message)) {
      problems.push(`${event.name}: ${macro} is "${defined}", the contract says "${event.message}"`);
    }
    const call = new RegExp(`\\b(LOG_(?:INF|WRN|ERR|DBG))\\(\\s*${macro}\\b`);
    const users = sources.filter((s) => call.test(s.text));
    if (users.length === 0) {
      problems.push(`${event.name}: ${macro} is never logged (LOG_…(${macro}, …)) in src/*.c`);
      continue;
    }
    for (const user of users) {
      const level = call.exec(user.text)?.[1];
      if (level !== LOG_MACRO[event.level]) {
        problems.push(`${event.name}: ${user.path} logs it with ${level}, the contract says ${event.level}`);
      }
      if (user.module !== event.module) {
        problems.push(`${event.name}: ${user.path} logs it as module ${user.module}, the contract says ${event.module}`);
      }
    }
  }
  expect(problems, `contract events missing or wrong in firmware/zephyr:\n${problems.join('\n')}`).toEqual([]);
});

test('every contract event is in the virtual board model', async () => {
  const events = await contractEvents();
  const files = await sourceFiles(virtualDir, /\.ts$/);
  const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
  const missing = events
    .map((e) => ({ name: e.name, prefix: e.message.split('<')[0] }))
    .filter((e) => !text.includes(e.prefix))
    .map((e) => `${e.name}: "${e.prefix}" appears nowhere in firmware/virtual/**/*.ts`);
  expect(missing, `contract events missing from the virtual model:\n${missing.join('\n')}`).toEqual([]);
});
