import { expect, test } from '@playwright/test';
import { buildImage, imageSet } from '../../fixtures/images.ts';
import { bufferReader, checkImage } from './image.ts';

const FLASH = 8 * 1024 * 1024;
const images = imageSet();
const check = (bytes: Buffer) => checkImage(bufferReader(bytes), FLASH);

test('a valid image passes with its descriptor, header fields and segments', () => {
  const result = check(images['proplet.bin']);
  if (!result.ok) throw new Error(`expected proplet.bin to pass, ROM said: ${result.romLine}`);
  expect(result.descriptor).toEqual({ projectName: 'proplet', version: '1.0.0' });
  expect(result.spiMode).toBe('DIO');
  expect(result.flashSize).toBe('8MB');
  expect(result.clockDiv).toBe(2);
  expect(result.segments.map((s) => s.address)).toEqual([0x3c000020, 0x3fc8fa60, 0x40374000]);
});

test('the upstream image names upstream\'s project', () => {
  const result = check(images['upstream.bin']);
  expect(result.ok && result.descriptor).toEqual({ projectName: 'proplet_mqtt_client', version: '0.5.0' });
});

test('erased flash reads as an invalid header 0xffffffff', () => {
  expect(check(Buffer.alloc(0))).toEqual({ ok: false, kind: 'header', romLine: 'invalid header: 0xffffffff' });
});

test('a non-image names its first word', () => {
  const result = check(Buffer.from('\x7fELF....................'));
  expect(result.ok || result.romLine).toBe('invalid header: 0x464c457f');
});

test('an ESP32-C3 image is refused for its chip id', () => {
  expect(check(images['wrong-chip.bin'])).toMatchObject({ ok: false, kind: 'chip', romLine: 'mismatch chip ID, expected 9, found 5' });
});

test('a bad checksum is refused with calculated and stored values', () => {
  const result = check(images['bad-checksum.bin']);
  expect(result).toMatchObject({ ok: false, kind: 'checksum' });
  expect(result.ok || result.romLine).toMatch(/^csum err:0x[0-9a-f]{2}!=0x[0-9a-f]{2}$/);
});

test('a truncated image is refused', () => {
  const result = check(images['truncated.bin']);
  expect(result.ok, 'truncated.bin must not pass').toBe(false);
});

test('a flipped byte inside a segment is caught by the checksum, one in the header by the SHA-256', () => {
  const data = Buffer.from(images['proplet.bin']);
  data[400] ^= 0x01;
  expect(check(data)).toMatchObject({ ok: false, kind: 'checksum' });
  const header = Buffer.from(images['proplet.bin']);
  header[2] = 3; // SPI mode DOUT: covered by the hash only
  expect(check(header)).toMatchObject({ ok: false, kind: 'hash', romLine: 'sha256 err: image is corrupt' });
});

test('a segment running past the flash is refused', () => {
  const image = Buffer.from(buildImage({ projectName: 'proplet', version: '1' }));
  image.writeUInt32LE(0x01000000, 24 + 4); // first segment claims 16 MiB
  expect(check(image)).toMatchObject({ ok: false, kind: 'segment', romLine: 'invalid segment length 0x1000000' });
});
