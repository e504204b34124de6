import { expect, test } from '@playwright/test';
import { Pacer } from './pacer.ts';

test('paced bytes arrive complete and in order; a purge drops what is still queued', async () => {
  const out: Buffer[] = [];
  const pacer = new Pacer(true, () => 115200, (d) => out.push(d));
  const sent = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
  pacer.push(sent.subarray(0, 1000));
  pacer.push(sent.subarray(1000, 1001));
  pacer.push(sent.subarray(1001));
  expect(Buffer.concat(out).length, 'bytes delivered at once with pacing on').toBeLessThan(sent.length);
  const deadline = Date.now() + 5000;
  while (Buffer.concat(out).length < sent.length) {
    if (Date.now() > deadline) throw new Error(`paced delivery stalled at ${Buffer.concat(out).length} of ${sent.length} bytes`);
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(Buffer.concat(out).equals(sent)).toBe(true);
  out.length = 0;
  pacer.push(Buffer.alloc(50_000));
  pacer.purge();
  await new Promise((r) => setTimeout(r, 50));
  expect(Buffer.concat(out).length, 'bytes after purge').toBe(0);
});

test('without pacing, bytes pass through at once', () => {
  const out: Buffer[] = [];
  new Pacer(false, () => 115200, (d) => out.push(d)).push(Buffer.from('abc'));
  expect(Buffer.concat(out).toString()).toBe('abc');
});
