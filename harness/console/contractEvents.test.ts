import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { CONTRACT_EVENTS, contractEvent } from './contractEvents.ts';
import { parseZephyrBanner } from './zephyrLog.ts';

// The harness's reading of the console events must be CONTRACT.md §2.1's, as
// firmware/contract.test.ts holds both firmwares to it: same events, levels, modules, message
// starts and key=value fields, and a line written from each row parses back to its event.

interface Row {
  name: string;
  level: string;
  module: string;
  message: string;
}

function contractRows(): Row[] {
  const text = readFileSync(new URL('../../firmware/CONTRACT.md', import.meta.url), 'utf8');
  const start = text.indexOf('### 2.1');
  const end = text.indexOf('\n### ', start + 1);
  if (start < 0 || end < 0) throw new Error('CONTRACT.md has no §2.1 events table');
  const rows: Row[] = [];
  for (const line of text.slice(start, end).split('\n')) {
    // Pipes that markdown escapes (`<0\|1>`) belong to the cell.
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
    const name = /^`([a-z_.]+)`$/.exec(cells[1] ?? '')?.[1];
    const message = /^`([^`]+)`/.exec(cells[4] ?? '')?.[1];
    if (name && message) rows.push({ name, level: cells[2]!, module: cells[3]!.replaceAll('`', ''), message });
  }
  return rows;
}

const rows = contractRows();
const logged = rows.filter((r) => r.name !== 'boot.banner');

/** The row's message with a sample value in every placeholder. */
function sampleLine(message: string): string {
  return message
    .replace(/<[^>]*>(?:,<[^>]*>)*,…/g, 'a,b')
    .replace(/<0\|1>/g, '1')
    .replace(/<[^>]*>/g, '7');
}

test('the table has the events the harness knows, and no others', () => {
  expect(rows.length, 'rows parsed from §2.1').toBeGreaterThan(20);
  expect(logged.map((r) => r.name).sort()).toEqual(Object.keys(CONTRACT_EVENTS).sort());
});

for (const row of logged) {
  test(`${row.name}: level, module, message start and fields as the contract writes them`, () => {
    const spec = CONTRACT_EVENTS[row.name as keyof typeof CONTRACT_EVENTS];
    expect(spec.level).toBe(row.level);
    expect(spec.module).toBe(row.module);
    // The fixed start is what comes before the first key=value pair.
    const firstKey = row.message.search(/(^| )[a-z_]+=/);
    expect(spec.prefix).toBe(row.message.slice(0, Math.max(0, firstKey)).trim());
    const keys = [...row.message.matchAll(/(?:^| )([a-z_]+)=/g)].map((m) => m[1]);
    expect(Object.keys(spec.fields.shape)).toEqual(keys);
    expect(contractEvent(row.level, row.module, sampleLine(row.message))?.kind, sampleLine(row.message)).toBe(row.name);
  });
}

test('boot.banner: the banner as the contract writes it is read by the console parser', () => {
  const banner = rows.find((r) => r.name === 'boot.banner')!;
  expect(parseZephyrBanner(banner.message.replace('<zephyr-version>', 'v4.0.0'))).toBe('v4.0.0');
});
