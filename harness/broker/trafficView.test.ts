import { expect, test } from '@playwright/test';
import { recordPayload } from './mqttEvent.ts';
import { summarizePayload } from './trafficView.ts';

test('a payload summary shows JSON in one line with base64 modules by size', () => {
  const task = JSON.stringify({ id: 't', file: 'AGFzbQEAAAA'.repeat(20), inputs: [1, 2] }, null, 2);
  expect(summarizePayload(recordPayload(task))).toBe('{"id":"t","file":"<base64 220 chars>","inputs":[1,2]}');
});

test('binary payloads are recorded as base64 and summarized by size; long text is cut', () => {
  const binary = recordPayload(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  expect(binary).toEqual({ payload: '//4AgA==', encoding: 'base64', bytes: 4 });
  expect(summarizePayload(binary)).toBe('<4 B binary>');
  const long = summarizePayload(recordPayload('x '.repeat(200)));
  expect(long.length).toBe(160);
  expect(long.endsWith('…')).toBe(true);
});
