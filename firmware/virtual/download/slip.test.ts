import { test, expect } from '@playwright/test';
import { SlipDecoder, slipEncode } from './slip.ts';

function decodeAll(chunks: Uint8Array[]): Buffer[] {
  const frames: Buffer[] = [];
  const decoder = new SlipDecoder((f) => frames.push(f));
  for (const c of chunks) decoder.push(c);
  return frames;
}

const packet = Buffer.from([0x00, 0xc0, 0xdb, 0x01, 0xdb, 0xdc, 0xc0, 0xff]);

test('escapes 0xC0 and 0xDB and frames with 0xC0', () => {
  expect([...slipEncode(packet)]).toEqual([0xc0, 0x00, 0xdb, 0xdc, 0xdb, 0xdd, 0x01, 0xdb, 0xdd, 0xdc, 0xdb, 0xdc, 0xff, 0xc0]);
});

test('a frame split at every byte decodes to the packet it came from', () => {
  const wire = Buffer.concat([slipEncode(packet), slipEncode(Buffer.from('next'))]);
  const frames = decodeAll([...wire].map((b) => Uint8Array.of(b)));
  expect(frames.map((f) => [...f])).toEqual([[...packet], [...Buffer.from('next')]]);
});

test('noise before the first frame is ignored and a bad escape drops only its own frame', () => {
  const noise = Buffer.from('ESP-ROM:esp32s3\r\n');
  const broken = Buffer.from([0xc0, 0x01, 0xdb, 0x02, 0x03, 0xc0]);
  const frames = decodeAll([noise, slipEncode(packet), broken, slipEncode(Buffer.from('ok'))]);
  expect(frames.map((f) => f.toString('hex'))).toEqual([packet.toString('hex'), Buffer.from('ok').toString('hex')]);
});
