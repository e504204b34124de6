import { expect, test } from '@playwright/test';
import { readNvsSettings, type NvsLayout } from './nvsSettings.ts';
import { placeNvs } from './testNvs.ts';

const layout: NvsLayout = { offset: 0x1000, sectorSize: 256, sectorCount: 3, writeBlockSize: 4 };

function flash(sectors: Parameters<typeof placeNvs>[2]) {
  const bytes = Buffer.alloc(layout.offset + layout.sectorSize * layout.sectorCount, 0xff);
  placeNvs(bytes, layout, sectors);
  return (offset: number, length: number) => bytes.subarray(offset, offset + length);
}

const text = (m: Map<string, Buffer>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

test('name and value entries pair up through the name count', () => {
  const read = flash([{ entries: [[0xc001, 'p-1'], [0x8001, 'proplet/proplet_id'], [0x8000, [0x01, 0x80]], [0xc002, '1883'], [0x8002, 'proplet/mqtt_broker_port'], [0x8000, [0x02, 0x80]]] }]);
  expect(text(readNvsSettings(read, layout))).toEqual({ 'proplet/proplet_id': 'p-1', 'proplet/mqtt_broker_port': '1883' });
});

test('the newest entry of an id wins, across a closed sector', () => {
  const read = flash([
    { close: layout.sectorSize - 40, entries: [[0xc001, 'old'], [0x8001, 'proplet/x'], [0x8000, [0x01, 0x80]]] },
    { entries: [[0xc001, 'new']] },
  ]);
  expect(text(readNvsSettings(read, layout))).toEqual({ 'proplet/x': 'new' });
});

test('deleted values, names without values and entries with a bad crc are not settings', () => {
  const read = flash([
    {
      entries: [[0xc001, 'gone'], [0x8001, 'proplet/a'], [0x8000, [0x01, 0x80]], [0xc001, ''], [0x8002, 'proplet/b'], [0x8000, [0x02, 0x80]], [0xc003, 'c'], [0x8003, 'proplet/c'], [0x8000, [0x03, 0x80]]],
    },
  ]);
  expect(text(readNvsSettings(read, layout))).toEqual({ 'proplet/c': 'c' });
  const whole = read(0, layout.offset + layout.sectorSize);
  // Corrupt the crc of the last name count: the one before it (0x8002) is read, hiding proplet/c.
  const crcAt = layout.offset + layout.sectorSize - 16 - 9 * 8 + 7;
  whole[crcAt] = whole[crcAt]! ^ 0xff;
  expect(text(readNvsSettings(read, layout))).toEqual({});
});

test('an erased partition holds no settings', () => {
  const read = (_offset: number, length: number) => Buffer.alloc(length, 0xff);
  expect(readNvsSettings(read, layout).size).toBe(0);
});
