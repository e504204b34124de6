import { expect, test } from '@playwright/test';
import { DO, escapeIac, IAC, OPT_COM_PORT, SB, SE, subnegotiation, TelnetDecoder, type TelnetEvent, WILL } from './telnet.ts';

/** Events with adjacent data merged, so that streams cut in different places compare equal. */
function normalise(events: TelnetEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const event of events) {
    const last = out.at(-1) as { kind: string; data: number[] } | undefined;
    if (event.kind === 'data' && last?.kind === 'data') last.data.push(...event.data);
    else if (event.kind === 'data') out.push({ kind: 'data', data: [...event.data] });
    else if (event.kind === 'sub') out.push({ kind: 'sub', option: event.option, payload: [...event.payload] });
    else out.push(event);
  }
  return out;
}

// Data with an escaped 0xFF, a negotiation, a subnegotiation whose value holds an escaped 0xFF
// (SET-BAUDRATE answer 0x0001C2FF), and a NOP (IAC 241) that must vanish.
const stream = Buffer.from([
  0x41, IAC, IAC, 0x42,
  IAC, WILL, OPT_COM_PORT,
  IAC, SB, OPT_COM_PORT, 101, 0x00, 0x01, 0xc2, IAC, IAC, IAC, SE,
  0x43, IAC, 241, 0x44,
]);
const expected = [
  { kind: 'data', data: [0x41, 0xff, 0x42] },
  { kind: 'negotiate', verb: WILL, option: OPT_COM_PORT },
  { kind: 'sub', option: OPT_COM_PORT, payload: [101, 0x00, 0x01, 0xc2, 0xff] },
  { kind: 'data', data: [0x43, 0x44] },
];

test('decodes data, negotiations and subnegotiations in one chunk', () => {
  expect(normalise(new TelnetDecoder().push(stream))).toEqual(expected);
});

test('decodes the same events however TCP splits the stream', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const decoder = new TelnetDecoder();
    const events = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    expect(normalise(events), `split at byte ${cut}`).toEqual(expected);
  }
  const decoder = new TelnetDecoder();
  const oneByOne = [...stream].flatMap((byte) => decoder.push(Buffer.from([byte])));
  expect(normalise(oneByOne), 'one byte per chunk').toEqual(expected);
});

test('escapeIac doubles 0xFF and the decoder undoes it for every byte value', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const escaped = escapeIac(all);
  expect(escaped.length).toBe(257);
  expect(normalise(new TelnetDecoder().push(escaped))).toEqual([{ kind: 'data', data: [...all] }]);
});

test('subnegotiation escapes IAC inside its value', () => {
  const frame = subnegotiation(OPT_COM_PORT, Buffer.from([1, 0, 0, 0xff, 0xff]));
  expect([...frame]).toEqual([IAC, SB, OPT_COM_PORT, 1, 0, 0, IAC, IAC, IAC, IAC, IAC, SE]);
  expect(normalise(new TelnetDecoder().push(Buffer.concat([frame, Buffer.from([IAC, DO, 0])])))).toEqual([
    { kind: 'sub', option: OPT_COM_PORT, payload: [1, 0, 0, 0xff, 0xff] },
    { kind: 'negotiate', verb: DO, option: 0 },
  ]);
});
