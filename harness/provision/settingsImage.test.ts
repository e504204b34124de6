import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { crc8Ccitt, ESP32S3_DEVKITC_SETTINGS, settingsImage, type NvsGeometry } from './settingsImage.ts';

const S = ESP32S3_DEVKITC_SETTINGS.sectorSize;

function ate(image: Buffer, at: number) {
  return { id: image.readUInt16LE(at), offset: image.readUInt16LE(at + 2), len: image.readUInt16LE(at + 4), part: image[at + 6], crc: image[at + 7] };
}

test('crc8_ccitt matches the published CRC-8 check value', () => {
  // CRC-8 (poly 0x07, init 0, no reflection) of "123456789" is 0xF4.
  expect(crc8Ccitt(0, Buffer.from('123456789'))).toBe(0xf4);
});

test('the image is the whole partition, erased beyond the first sector', () => {
  const image = settingsImage([['proplet/proplet_id', 'p-1']]);
  expect(image.length).toBe(ESP32S3_DEVKITC_SETTINGS.size);
  expect(image.subarray(S).every((b) => b === 0xff)).toBe(true);
  // The close slot of sector 0 stays erased: the sector is open.
  expect(image.subarray(S - 8, S).every((b) => b === 0xff)).toBe(true);
});

test('entries are laid out as nvs_write and settings_nvs_save lay them out', () => {
  const image = settingsImage([
    ['proplet/proplet_id', 'p-1'],
    ['proplet/mqtt_broker_port', '1883'],
  ]);
  const gcDone = ate(image, S - 16);
  expect(gcDone).toMatchObject({ id: 0xffff, offset: 0, len: 0, part: 0xff });
  expect(gcDone.crc).toBe(crc8Ccitt(0xff, image.subarray(S - 16, S - 9)));
  // value, name, name count for the first key, then the same for the second.
  const ids = [24, 32, 40, 48, 56, 64].map((back) => ate(image, S - back));
  expect(ids.map((e) => e.id)).toEqual([0xc001, 0x8001, 0x8000, 0xc002, 0x8002, 0x8000]);
  expect(ids.map((e) => e.len)).toEqual([3, 18, 2, 4, 24, 2]);
  // Data from offset 0, each padded to the 4-byte write block with 0xff.
  expect(ids.map((e) => e.offset)).toEqual([0, 4, 24, 28, 32, 56]);
  expect(image.subarray(0, 4)).toEqual(Buffer.from([0x70, 0x2d, 0x31, 0xff]));
  expect(image.subarray(4, 22).toString()).toBe('proplet/proplet_id');
  expect(image.readUInt16LE(56)).toBe(0x8002);
  for (const back of [24, 32, 40, 48, 56, 64]) expect(image[S - back + 7]).toBe(crc8Ccitt(0xff, image.subarray(S - back, S - back + 7)));
  expect(image.subarray(S - 72, S - 64).every((b) => b === 0xff)).toBe(true);
});

test('a full sector is closed and writing goes on in the next one', () => {
  const cert = 'C'.repeat(2030);
  const image = settingsImage([
    ['proplet/tls_client_cert', cert],
    ['proplet/tls_client_key', cert],
  ]);
  // The close entry points at the sector's last ATE (value, name and count of the first key after gc-done).
  const close = ate(image, S - 8);
  expect(close).toMatchObject({ id: 0xffff, len: 0 });
  expect(close.offset).toBe(S - 40);
  expect(ate(image, 2 * S - 16)).toMatchObject({ id: 0xffff, offset: 0, len: 0 });
  expect(ate(image, 2 * S - 24)).toMatchObject({ id: 0xc002, offset: 0, len: 2030 });
  expect(image.subarray(S, S + 2030).toString()).toBe(cert);
});

test('settings that do not fit the partition are refused with a hint', () => {
  const small: NvsGeometry = { offset: 0, size: 3 * 4096, sectorSize: 4096, sectorCount: 3, writeBlockSize: 4 };
  const big = 'x'.repeat(3000);
  expect(() => settingsImage([['a', big], ['b', big], ['c', big]], small)).toThrow(HilError);
  expect(() => settingsImage([['a', 'x'.repeat(S)]])).toThrow(/holds 1\.\.4064 bytes/);
  expect(() => settingsImage([['a', '1'], ['a', '2']])).toThrow(/given twice/);
});
