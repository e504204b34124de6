/**
 * Telnet framing (RFC 854/855) as an RFC 2217 link uses it, for the board's server and the
 * virtual board's own test client. The harness has its own implementation on purpose: the
 * two sides share nothing but the protocol.
 */
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;
export const COM_PORT_OPTION = 44;

export interface TelnetHandlers {
  data(bytes: Buffer): void;
  option(verb: number, option: number): void;
  subnegotiation(body: number[]): void;
}

/** IAC doubled, as data and subnegotiation values carry it. */
export function escapeIac(bytes: Iterable<number>): number[] {
  const out: number[] = [];
  for (const byte of bytes) {
    out.push(byte);
    if (byte === IAC) out.push(IAC);
  }
  return out;
}

/**
 * Splits a telnet stream, in any chunking, into data, option verbs and subnegotiations, in
 * the order they came: control must act in order with the data around it (a reset sequence).
 */
export class TelnetDecoder {
  private state: 'data' | 'iac' | 'option' | 'sb' | 'sbIac' = 'data';
  private verb = 0;
  private sb: number[] = [];

  constructor(private readonly on: TelnetHandlers) {}

  feed(chunk: Buffer): void {
    let data: number[] = [];
    const flush = () => {
      if (data.length > 0) this.on.data(Buffer.from(data));
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
            this.state = 'option';
          } else if (byte === SB) {
            this.sb = [];
            this.state = 'sb';
          } else {
            this.state = 'data'; // NOP, GA, AYT…: nothing to do on a serial link
          }
          break;
        case 'option':
          flush();
          this.on.option(this.verb, byte);
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sbIac';
          else this.sb.push(byte);
          break;
        case 'sbIac':
          if (byte === IAC) {
            this.sb.push(IAC);
            this.state = 'sb';
          } else {
            if (byte === SE) {
              flush();
              this.on.subnegotiation(this.sb);
            }
            this.state = 'data';
          }
          break;
      }
    }
    flush();
  }
}
