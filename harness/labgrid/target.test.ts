import { expect, test } from '@playwright/test';
import { LabConfigSchema } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { describeHolders, hilHolderPid } from './client.ts';
import { describeFilters, parseLabgridTarget } from './target.ts';

test('a labgrid port names a place or a tag filter on a coordinator, port 20408 unless given', () => {
  expect(parseLabgridTarget('labgrid://lab-coord/s3-bench2-1')).toEqual({ coordinator: 'lab-coord:20408', filters: { name: 's3-bench2-1' }, place: 's3-bench2-1' });
  expect(parseLabgridTarget('labgrid://10.0.0.5:30000?board=esp32s3&rack=r2')).toEqual({ coordinator: '10.0.0.5:30000', filters: { board: 'esp32s3', rack: 'r2' } });
  expect(describeFilters({ name: 'v0' })).toBe('place v0');
  expect(describeFilters({ rack: 'r2', board: 'esp32s3' })).toBe('board=esp32s3 rack=r2');
});

test('a malformed labgrid port is one readable usage error', () => {
  for (const [spec, why] of [
    ['labgrid://coord', 'names neither a place nor tags'],
    ['labgrid://coord/p1?board=esp32s3', 'not both'],
    ['labgrid://coord?Board=esp32s3', 'not a labgrid tag key'],
    ['labgrid:///p1', 'no coordinator host'],
  ] as const) {
    const err = (() => {
      try {
        parseLabgridTarget(spec);
      } catch (e) {
        return e;
      }
    })();
    expect(err, spec).toBeInstanceOf(HilError);
    expect((err as HilError).message, spec).toContain(why);
    expect((err as HilError).exitCode).toBe(2);
  }
});

const bench = (boards: unknown[]) => ({
  boards,
  firmware: { image: 'x.bin' },
  propeller: { tenant: 't', channel: 'c', proplets: Object.fromEntries(boards.map((b) => [(b as { name: string }).name, { id: 'p', apiKey: 'k' }])) },
  broker: { advertisedHost: '192.168.10.2' },
});

test('in the bench file a labgrid board defaults to labgrid power; a tag pool may back several boards, a named place one', () => {
  const pool = LabConfigSchema.parse(
    bench([
      { name: 'a', chip: 'esp32s3', port: 'labgrid://coord?board=esp32s3' },
      { name: 'b', chip: 'esp32s3', port: 'labgrid://coord?board=esp32s3', power: { driver: 'rts' } },
    ]),
  );
  expect(pool.boards.map((b) => b.power.driver)).toEqual(['labgrid', 'rts']);
  const twice = LabConfigSchema.safeParse(
    bench([
      { name: 'a', chip: 'esp32s3', port: 'labgrid://coord/p1' },
      { name: 'b', chip: 'esp32s3', port: 'labgrid://coord/p1' },
    ]),
  );
  expect(twice.success).toBe(false);
  expect(twice.error?.issues.map((i) => i.message).join('; ')).toContain('one board per port');
  const wrongPower = LabConfigSchema.safeParse(bench([{ name: 'a', chip: 'esp32s3', port: 'rfc2217://h:4000', power: { driver: 'labgrid' } }]));
  expect(wrongPower.error?.issues.map((i) => i.message).join('; ')).toContain('power driver "labgrid" needs a labgrid port');
  const badPort = LabConfigSchema.safeParse(bench([{ name: 'a', chip: 'esp32s3', port: 'labgrid://coord' }]));
  expect(badPort.error?.issues.map((i) => i.message).join('; ')).toContain('labgrid://coordinator[:port]/place');
});

test('holders are named with how long they have held the place; our own runs are recognised by host and pid', () => {
  const now = 1_000_000_000;
  expect(describeHolders([{ place: 'v0', holder: 'bench2/alice', how: 'acquired', since: now / 1000 - 42 }], now)).toBe('v0 acquired by bench2/alice 42 s ago');
  expect(hilHolderPid('ci-3/runner:hil-4242', 'ci-3')).toBe(4242);
  expect(hilHolderPid('ci-3/runner:hil-4242', 'ci-4')).toBeUndefined();
  expect(hilHolderPid('ci-3/alice', 'ci-3')).toBeUndefined();
});
