import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { firmwareFromImage, firmwareFromManifest, loadFirmware } from './manifest.ts';
import { ensureFixtures, fixture } from '../testing/virtualBoard.ts';

let dir: string;

test.beforeAll(() => ensureFixtures());
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-fw-'));
});
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

function failure(fn: () => unknown): HilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HilError) return err;
    throw err;
  }
  throw new Error('expected a HilError, nothing was thrown');
}

test('one zephyr.bin is flashed at 0x0 and carries its version', () => {
  const fw = firmwareFromImage(fixture('proplet.bin'));
  expect(fw.regions.map((r) => [r.name, r.offset, r.data.length])).toEqual([['proplet', 0, 49376]]);
  expect(fw.app?.version).toBe('1.0.0');
});

test('a manifest lists bootloader, partition table and app with offsets, relative to itself', () => {
  copyFileSync(fixture('proplet.bin'), join(dir, 'app.bin'));
  copyFileSync(fixture('upstream.bin'), join(dir, 'bootloader.bin'));
  writeFileSync(join(dir, 'partitions.bin'), Buffer.from([0xaa, 0x50, 1, 2]));
  writeFileSync(
    join(dir, 'flash.yaml'),
    ['regions:', '  - { name: bootloader, offset: 0x0, file: bootloader.bin }', '  - { name: partition-table, offset: 0x10000, file: partitions.bin }', '  - { name: app, offset: 0x20000, file: app.bin }'].join('\n'),
  );
  const fw = firmwareFromManifest(join(dir, 'flash.yaml'));
  expect(fw.regions.map((r) => [r.name, r.offset, r.image !== undefined])).toEqual([
    ['bootloader', 0, true],
    ['partition-table', 0x10000, false],
    ['app', 0x20000, true],
  ]);
  expect(fw.app?.projectName, 'the first region with a descriptor names the firmware').toBe('proplet_mqtt_client');
});

test("esptool's flasher_args.json in a build directory is read as a manifest", () => {
  copyFileSync(fixture('proplet.bin'), join(dir, 'app.bin'));
  writeFileSync(join(dir, 'flasher_args.json'), JSON.stringify({ flash_files: { '0x10000': 'app.bin' }, extra: true }));
  expect(loadFirmware(dir).regions.map((r) => [r.name, r.offset])).toEqual([['app', 0x10000]]);
});

test('a Zephyr build directory gives zephyr/zephyr.bin at 0x0', () => {
  mkdirSync(join(dir, 'zephyr'));
  copyFileSync(fixture('proplet.bin'), join(dir, 'zephyr', 'zephyr.bin'));
  expect(loadFirmware(dir).regions.map((r) => [r.name, r.offset])).toEqual([['zephyr', 0]]);
});

test('a missing image file is a usage error naming the file', () => {
  const err = failure(() => firmwareFromImage(join(dir, 'zephyr.bin')));
  expect(err.exitCode).toBe(2);
  expect(err.message).toBe(`image file ${join(dir, 'zephyr.bin')} not found`);
});

test('an image built for another chip is refused before any board is touched', () => {
  const err = failure(() => firmwareFromImage(fixture('wrong-chip.bin')));
  expect(err.exitCode).toBe(2);
  expect(err.message).toMatch(/wrong-chip\.bin is built for ESP32-C3, this bench expects ESP32-S3$/);
});

test('a corrupt or truncated image is refused with the reason', () => {
  expect(failure(() => firmwareFromImage(fixture('bad-checksum.bin'))).message).toMatch(/bad-checksum\.bin cannot be flashed: checksum mismatch/);
  expect(failure(() => firmwareFromImage(fixture('truncated.bin'))).message).toMatch(/truncated\.bin cannot be flashed: truncated: /);
});

test('an invalid manifest names what is wrong and where', () => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ regions: [{ offset: 'zero', file: 'a.bin' }] }));
  const err = failure(() => firmwareFromManifest(join(dir, 'bad.json')));
  expect(err.exitCode).toBe(2);
  expect(err.message).toMatch(/bad\.json is invalid at regions\.0\.offset/);
  writeFileSync(join(dir, 'broken.json'), '{ regions: [');
  expect(failure(() => firmwareFromManifest(join(dir, 'broken.json'))).message).toMatch(/broken\.json is not valid JSON or YAML/);
});

test('overlapping or unaligned regions are refused', () => {
  copyFileSync(fixture('proplet.bin'), join(dir, 'app.bin'));
  writeFileSync(join(dir, 'overlap.json'), JSON.stringify({ regions: [{ offset: 0, file: 'app.bin' }, { name: 'second', offset: '0x1000', file: 'app.bin' }] }));
  expect(failure(() => firmwareFromManifest(join(dir, 'overlap.json'))).message).toMatch(/app \(0x0, 49376 bytes\) overlaps second at 0x1000/);
  writeFileSync(join(dir, 'unaligned.json'), JSON.stringify({ regions: [{ offset: 0x100, file: 'app.bin' }] }));
  expect(failure(() => firmwareFromManifest(join(dir, 'unaligned.json'))).message).toMatch(/offset 0x100 is not on a 4 KiB sector/);
});
