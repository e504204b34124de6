/** Telnet (RFC 854/855) byte codes that RFC 2217 rides on. */
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

export type Verb = typeof WILL | typeof WONT | typeof DO | typeof DONT;

export type TelnetEvent =
  | { kind: 'data'; data: Buffer }
  | { kind: 'negotiate'; verb: Verb; option: number }
  | { kind: 'sub'; option: number; payload: Buffer };

type State = 'data' | 'iac' | 'verb' | 'sb-option' | 'sb' | 'sb-iac';

/**
 * Splits a telnet byte stream into data and commands. The state survives between push() calls
 * because TCP may cut anywhere, including between IAC and the byte after it.
 */
export class TelnetDecoder {
  private state: State = 'data';
  private verb: Verb = WILL;
  private subOption = 0;
  private subBytes: number[] = [];

  push(chunk: Uint8Array): TelnetEvent[] {
    const events: TelnetEvent[] = [];
    let data: number[] = [];
    const flush = () => {
      if (data.length > 0) events.push({ kind: 'data', data: Buffer.from(data) });
      data = [];
    };
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            data.push(IAC);
            this.state = 'data';
          } else if (byte === WILL || byte === WONT || byte === DO || byte === DONT) {
            this.verb = byte;
            this.state = 'verb';
          } else if (byte === SB) {
            this.state = 'sb-option';
          } else {
            // NOP, GA, AYT and friends carry nothing a serial stream needs.
            this.state = 'data';
          }
          break;
        case 'verb':
          flush();
          events.push({ kind: 'negotiate', verb: this.verb, option: byte });
          this.state = 'data';
          break;
        case 'sb-option':
          this.subOption = byte;
          this.subBytes = [];
          this.state = 'sb';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else this.subBytes.push(byte);
          break;
        case 'sb-iac':
          if (byte === IAC) {
            this.subBytes.push(IAC);
            this.state = 'sb';
          } else if (byte === SE) {
            flush();
            events.push({ kind: 'sub', option: this.subOption, payload: Buffer.from(this.subBytes) });
            this.state = 'data';
          } else {
            // Not valid inside a subnegotiation; keep collecting rather than lose sync.
            this.state = 'sb';
          }
          break;
      }
    }
    flush();
    return events;
  }
}

/** Doubles every IAC so that data bytes of 0xFF reach the far side as data. */
export function escapeIac(data: Uint8Array): Buffer {
  let count = 0;
  for (const byte of data) if (byte === IAC) count++;
  if (count === 0) return Buffer.from(data);
  const out = Buffer.alloc(data.length + count);
  let i = 0;
  for (const byte of data) {
    out[i++] = byte;
    if (byte === IAC) out[i++] = IAC;
  }
  return out;
}

export function negotiation(verb: Verb, option: number): Buffer {
  return Buffer.from([IAC, verb, option]);
}

export function subnegotiation(option: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([IAC, SB, option]), escapeIac(payload), Buffer.from([IAC, SE])]);
}
