import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { LogEvent, LogEventKind, LogEventOf } from './events.ts';
import { ConsoleParser } from './parser.ts';

const capture = (name: string) => readFileSync(new URL(`./captures/${name}`, import.meta.url));

/** Events from feeding the bytes in the given chunks, without `t` (the only field chunking may change). */
function parse(chunks: Uint8Array[]): Omit<LogEvent, 't'>[] {
  const parser = new ConsoleParser();
  return chunks.flatMap((chunk, i) => parser.push(chunk, i).map(({ t: _, ...rest }) => rest));
}

const whole = (name: string) => parse([capture(name)]);
const ofKind = <K extends LogEventKind>(events: Omit<LogEvent, 't'>[], kind: K) =>
  events.filter((e): e is Omit<LogEventOf<K>, 't'> => e.kind === kind);
const contractKinds = (events: Omit<LogEvent, 't'>[]) =>
  events.map((e) => e.kind).filter((k) => !['line', 'zephyr.log', 'zephyr.banner', 'boot.banner', 'rom.banner', 'wamr.error'].includes(k));

const CAPTURES = [
  'poweron-boot.log',
  'colour-reconnect.log',
  'fatal-store-prohibited.log',
  'wrong-baud-download.log',
  'shell-provisioning.log',
  'task-errors.log',
];

for (const name of CAPTURES) {
  test(`${name}: the same events whatever the chunking (every split point, and byte by byte)`, () => {
    const bytes = capture(name);
    const reference = parse([bytes]);
    expect(reference.length).toBeGreaterThan(10);
    for (let at = 1; at < bytes.length; at++) {
      const split = parse([bytes.subarray(0, at), bytes.subarray(at)]);
      if (JSON.stringify(split) !== JSON.stringify(reference)) {
        expect(split, `events differ when the capture is split at byte ${at}`).toEqual(reference);
      }
    }
    const single = parse([...bytes].map((b) => Uint8Array.of(b)));
    expect(single, 'fed one byte at a time').toEqual(reference);
    expect(reference.filter((e) => e.kind === 'line').map((e) => e.seq), 'one line event per line, numbered in order').toEqual(
      reference.filter((e) => e.kind === 'line').map((_, i) => i),
    );
  });
}

test('power-on boot: ROM banner, Zephyr banner and the contract events in boot order, fields typed', () => {
  const events = whole('poweron-boot.log');
  expect(ofKind(events, 'rom.banner')).toEqual([
    { kind: 'rom.banner', seq: 2, chip: 'esp32s3', resetCode: 1, resetCause: 'POWERON', bootMode: 'SPI_FAST_FLASH_BOOT' },
  ]);
  expect(ofKind(events, 'zephyr.banner').map((e) => e.version)).toEqual(['v4.0.0']);
  expect(ofKind(events, 'boot.banner').map((e) => e.version)).toEqual(['v4.0.0']);
  expect(contractKinds(events)).toEqual([
    'boot', 'wasm.ready', 'heap', 'settings.loaded', 'wifi.connecting', 'wifi.connected', 'dhcp.bound', 'mqtt.connecting',
    'mqtt.connected', 'mqtt.subscribed', 'mqtt.subscribed', 'mqtt.subscribed', 'task.received', 'task.started', 'task.log',
    'task.finished', 'heap', 'task.received', 'task.started', 'task.finished', 'heap',
  ]);
  expect(ofKind(events, 'boot')[0]!.version).toBe('1.0.0');
  expect(ofKind(events, 'wasm.ready')[0]).toMatchObject({ pool: 40960, slots: 4 });
  expect(ofKind(events, 'heap').map((h) => [h.used, h.free, h.high])).toEqual([
    [2048, 38912, 2048],
    [2048, 38912, 19520],
    [2048, 38912, 19520],
  ]);
  expect(ofKind(events, 'mqtt.connecting')[0]).toMatchObject({ broker: '192.168.10.2:1883', keepalive: 30 });
  expect(ofKind(events, 'mqtt.connected')[0]!.session_present).toBe(false);
  expect(ofKind(events, 'mqtt.subscribed').map((s) => s.topic.split('/').slice(4).join('/'))).toEqual([
    'control/manager/start', 'control/manager/stop', 'registry/server',
  ]);
  expect(ofKind(events, 'task.received')[0]).toMatchObject({ id: 'add-1', name: 'add', wasm_bytes: 41, inputs: 2 });
  expect(ofKind(events, 'task.log')[0]!.text, 'text= takes the rest of the line, spaces included').toBe('adding 2 and 3 = 5 ');
  expect(ofKind(events, 'task.finished').map((f) => [f.id, f.results])).toEqual([
    ['add-1', '5'],
    ['nop', ''],
  ]);
  const log = ofKind(events, 'zephyr.log').find((l) => l.module === 'net_wifi_mgmt_esp32')!;
  expect(log).toMatchObject({ timestamp: '00:00:01.734,000', uptimeMs: 1734, level: 'inf', message: 'WIFI ready' });
  expect(ofKind(events, 'line')[8]!.text, 'ESP-IDF boot lines are lines').toBe('I (61) boot: ESP Simple boot');
});

test('colours: stripped from the text, kept in raw; reset cause, rejections and reconnects parsed', () => {
  const events = whole('colour-reconnect.log');
  const lines = ofKind(events, 'line');
  expect(lines.some((l) => l.raw.includes('\x1b[1;31m')), 'raw keeps the colour codes').toBe(true);
  expect(lines.every((l) => !l.text.includes('\x1b'))).toBe(true);
  expect(ofKind(events, 'rom.banner')[0]).toMatchObject({ resetCode: 0x15, resetCause: 'USB_UART_CHIP_RESET', bootMode: 'SPI_FAST_FLASH_BOOT' });
  expect(ofKind(events, 'zephyr.banner')[0]!.version).toBe('v4.0.0-rc1-12-g1a2b3c4d');
  expect(ofKind(events, 'settings.missing')[0]!.keys).toEqual(['wifi_ssid', 'api_key', 'mqtt_broker_host']);
  expect(ofKind(events, 'task.rejected')[0]).toMatchObject({ id: '-', reason: 'invalid JSON' });
  expect(ofKind(events, 'mqtt.disconnected').map((d) => d.reason)).toEqual(['connect refused rc=5', 'socket error -104']);
  expect(ofKind(events, 'mqtt.reconnect').map((r) => [r.attempt, r.delay])).toEqual([
    [1, 512],
    [2, 1043],
  ]);
  expect(ofKind(events, 'mqtt.connected')[0]!.session_present).toBe(true);
  expect(ofKind(events, 'mqtt.unknown_topic')[0]!.topic).toBe('m/t/c/c/control/manager/pause');
  expect(lines.at(-1)!.text).toBe('Grüße from a UTF-8 line: µs ✓');
});

test('a fatal error carries its reason, CPU and dump; the watchdog reset shows in the next banner', () => {
  const events = whole('fatal-store-prohibited.log');
  const [first, second] = ofKind(events, 'zephyr.fatal');
  expect(first).toMatchObject({ reason: 'CPU exception', code: 0, cpu: 0 });
  expect(first!.lines[0]).toContain('** FATAL EXCEPTION');
  expect(first!.lines[1]).toContain('EXCCAUSE 29 (store prohibited)');
  expect(first!.lines.at(-1)).toContain('>>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0');
  expect(first!.lines).toHaveLength(11);
  expect(second, 'a fatal error without a dump').toMatchObject({ reason: 'Stack overflow', code: 2, cpu: 0, lines: ['>>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0'] });
  expect(ofKind(events, 'rom.banner').map((b) => b.resetCause)).toEqual(['POWERON', 'TG0WDT_SYS_RST']);
  const order = events.filter((e) => ['zephyr.fatal', 'rom.banner'].includes(e.kind)).map((e) => e.kind);
  expect(order).toEqual(['rom.banner', 'zephyr.fatal', 'rom.banner', 'zephyr.fatal']);
});

test('noise at the wrong baud is tolerated: download mode, erased flash and the next boots still parse', () => {
  const events = whole('wrong-baud-download.log');
  expect(ofKind(events, 'rom.banner').map((b) => [b.chip, b.resetCause, b.bootMode])).toEqual([
    ['esp32s3', 'POWERON', 'DOWNLOAD(USB/UART0)'],
    ['esp32s3', 'POWERON', 'SPI_FAST_FLASH_BOOT'],
    ['esp32s3', 'RTC_SW_SYS_RST', 'SPI_FAST_FLASH_BOOT'],
  ]);
  expect(ofKind(events, 'rom.download')).toHaveLength(1);
  expect(ofKind(events, 'boot').map((b) => b.version)).toEqual(['1.0.0']);
  for (const line of ofKind(events, 'line')) {
    expect(line.text, `line ${line.seq} has no control characters or replacement marks`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/);
  }
  expect(ofKind(events, 'line').filter((l) => l.text === 'invalid header: 0xffffffff')).toHaveLength(2);
});

test('shell: a prompt without a line end is announced once per prompt, echoed commands and a redrawn prompt read right', () => {
  const events = whole('shell-provisioning.log');
  expect(ofKind(events, 'shell.prompt')).toHaveLength(6);
  expect(events.at(-1), 'the last prompt has no line end yet and is still announced').toEqual({ kind: 'shell.prompt', seq: ofKind(events, 'line').length });
  const texts = ofKind(events, 'line').map((l) => l.text);
  expect(texts).toContain('uart:~$ settings write string proplet/proplet_id 7d8ab9e7-ff57-5bad-b853-e8d6fab23776');
  expect(texts).toContain('Failed to read setting: -2');
  expect(texts, 'the log line that cleared the prompt is what the line shows').toContain('[00:00:30.000,000] <wrn> net_if: iface 0x3fc8d1a0 is down');
  expect(ofKind(events, 'zephyr.log').map((l) => l.module)).toEqual(['main', 'main', 'net_if']);
  expect(ofKind(events, 'rom.banner')[0]!.resetCause).toBe('RTC_SW_SYS_RST');
});

test('WAMR errors by stage, with the task id when a Task failed line carries them; malformed contract lines are not events', () => {
  const events = whole('task-errors.log');
  expect(ofKind(events, 'wamr.error').map(({ stage, text, id }) => ({ stage, text, id }))).toEqual([
    { stage: 'load', text: 'WASM module load failed: magic header not detected', id: undefined },
    { stage: 'load', text: 'WASM module load failed: magic header not detected', id: 'bad-magic' },
    { stage: 'instantiate', text: 'WASM module instantiate failed: allocate memory failed', id: 'big-mem' },
    { stage: 'exception', text: 'Exception: integer divide by zero', id: 'div0' },
    { stage: 'exception', text: 'Exception: terminated by user', id: 'spin' },
  ]);
  expect(ofKind(events, 'task.failed').map((f) => f.error)).toEqual([
    'WASM module load failed: magic header not detected',
    'WASM module instantiate failed: allocate memory failed',
    'Exception: integer divide by zero',
    'Exception: terminated by user',
  ]);
  expect(ofKind(events, 'task.log')[0]!.text).toBe('Exception: not really, just text');
  expect(ofKind(events, 'task.watchdog')[0]).toMatchObject({ id: 'spin', after: 10000 });
  expect(ofKind(events, 'task.stopped')[0]!.id).toBe('spin');
  expect(ofKind(events, 'task.rejected').map((r) => [r.id, r.reason])).toEqual([
    ['dup', 'invalid task: id dup is running'],
    ['-', 'payload too large (20000 > 16384 bytes)'],
  ]);
  expect(ofKind(events, 'task.finished')[0]!.results).toBe('-1,7,-2147483648');
  expect(ofKind(events, 'mqtt.disconnected')[0]!.reason).toBe('keepalive timeout');
  expect(ofKind(events, 'task.received').map((r) => r.id), 'wasm_bytes=lots is not a number: no task.received').toEqual(['bad-magic']);
  expect(ofKind(events, 'zephyr.log').filter((l) => l.level === 'dbg')).toHaveLength(1);
});

test('a line with no newline is cut at 4096 bytes, so noise cannot grow a line without bound', () => {
  const parser = new ConsoleParser();
  const events = parser.push(Buffer.alloc(10_000, 'x'), 0);
  expect(events.map((e) => (e.kind === 'line' ? e.text.length : e.kind))).toEqual([4096, 4096]);
  const rest = parser.push(Buffer.from('\r\n'), 1);
  expect(rest.map((e) => (e.kind === 'line' ? e.text.length : e.kind)), 'the remainder ends at the next newline').toEqual([10_000 - 8192]);
});
