import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ImageFormatError, inspectImage } from './image.ts';
import { ensureFixtures, fixture } from '../testing/virtualBoard.ts';

test.beforeAll(() => ensureFixtures());

const image = (name: string) => new Uint8Array(readFileSync(fixture(name)));

test('reads chip, segments and the application descriptor of a proplet image', () => {
  const info = inspectImage(image('proplet.bin'));
  expect(info.chipId).toBe(9);
  expect(info.hashAppended).toBe(true);
  expect(info.segments.map((s) => s.loadAddress)).toEqual([0x3c000020, 0x3fc8fa60, 0x40374000]);
  expect(info.app).toMatchObject({ version: '1.0.0', projectName: 'proplet', idfVersion: 'zephyr-v4.0.0' });
});

test('tells upstream\'s image by its project name', () => {
  expect(inspectImage(image('upstream.bin')).app).toMatchObject({ version: '0.5.0', projectName: 'proplet_mqtt_client' });
});

test('reports the chip id of an image built for another chip', () => {
  expect(inspectImage(image('wrong-chip.bin')).chipId).toBe(5);
});

test('refuses a bad checksum, a truncated image, a changed byte under the SHA-256, and a non-image', () => {
  expect(() => inspectImage(image('bad-checksum.bin'))).toThrow(/^checksum mismatch \(image says 0x[0-9a-f]+, segments give 0x[0-9a-f]+\)$/);
  expect(() => inspectImage(image('truncated.bin'))).toThrow(/^truncated: segment 2 needs \d+ bytes, \d+ left$/);
  const tampered = image('proplet.bin');
  // A byte of the DRAM segment changed, and the checksum fixed up: only the SHA-256 can tell.
  const info = inspectImage(tampered);
  const at = info.segments[1]!.dataOffset;
  const checksumAt = info.dataLength - 1;
  tampered[checksumAt] = tampered[checksumAt]! ^ tampered[at]!;
  tampered[at] = 0x00;
  expect(() => inspectImage(tampered)).toThrow(/^SHA-256 mismatch/);
  expect(() => inspectImage(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]))).toThrow(ImageFormatError);
});
