import { expect, test } from '@playwright/test';
import { isRejection, parseRegistryReply, parseStart, parseStop } from './taskMessage.ts';

// Where the model decided differently from the firmware's C task codec on fuzzed messages
// (firmware/zephyr/fuzz/differential.test.ts found each of these); the C side is the firmware.
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const nested = (n: number) => Buffer.from(`{"id":"deep","x":${'['.repeat(n)}1${']'.repeat(n)}}`);

test('a stop is held to the payload size and the id length, as a start is', () => {
  expect(parseStop(json({ id: 'x', pad: 'A'.repeat(16384) }))).toEqual({ reason: 'payload too large (16403 > 16384 bytes)' });
  expect(parseStop(json({ id: 'A'.repeat(65) }))).toEqual({ reason: 'id too long' });
  expect(parseStop(json({ id: 'A'.repeat(64) }))).toEqual({ id: 'A'.repeat(64) });
});

test('a value inside more than 16 containers is not JSON the firmware reads', () => {
  expect(parseStop(nested(15))).toEqual({ id: 'deep' });
  expect(parseStop(nested(16))).toEqual({ reason: 'invalid JSON' });
  // A deep value under a repeated key counts too, though the first key is the one read.
  expect(parseStop(Buffer.from(`{"id":"a","id":${'['.repeat(20)}${']'.repeat(20)}}`))).toEqual({ reason: 'invalid JSON' });
});

test('of repeated keys the first one counts', () => {
  expect(parseStop(Buffer.from('{"id":"first","id":"second"}'))).toEqual({ id: 'first' });
  const start = parseStart(Buffer.from('{"id":"t","name":null,"name":"add","file":"AGFzbQEAAAA="}'));
  expect(isRejection(start) && start.reason).toBe('invalid task: missing name');
});

test('base64 padding is optional, and when present it completes the group', () => {
  const start = parseStart(json({ id: 'u', name: 'n', file: 'AGFzbQEAAAA' }));
  expect(!isRejection(start) && start.wasm).toEqual(Buffer.from('0061736d01000000', 'hex'));
  expect(isRejection(parseStart(json({ id: 'u', name: 'n', file: 'AGFzbQEAAAA==' })))).toBe(true);
});

test('a registry answer the firmware cannot use is ignored: too large, a long app_name, bad base64', () => {
  expect(parseRegistryReply(json({ app_name: 'a', data: 'AGFzbQEAAAA=' }))).toEqual({ app_name: 'a', data: 'AGFzbQEAAAA=' });
  expect(parseRegistryReply(json({ app_name: 'a', data: 'A'.repeat(16384) }))).toBeUndefined();
  expect(parseRegistryReply(json({ app_name: 'a'.repeat(256), data: 'AGFzbQEAAAA=' }))).toBeUndefined();
  expect(parseRegistryReply(json({ app_name: 'a', data: 'AGFz*bQ==' }))).toBeUndefined();
});
