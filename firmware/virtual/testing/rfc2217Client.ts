/**
 * A minimal RFC 2217 client for the virtual board's tests, written from the RFC and not
 * shared with the harness (which must not be imported here): telnet negotiation, IAC
 * escaping, SET-CONTROL / SET-BAUDRATE, and a wait for text on the console.
 */
import net from 'node:net';

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const COM_PORT_OPTION = 44;

export const CONTROL = { DTR_ON: 8, DTR_OFF: 9, RTS_ON: 11, RTS_OFF: 12 } as const;

export class Rfc2217Client {
  /** Every UART byte received, telnet framing removed. */
  data = Buffer.alloc(0);
  /** Every COM-PORT-OPTION answer from the server: [code, ...value]. */
  readonly answers: number[][] = [];
  /** Option verbs the server sent, e.g. "WILL 0". */
  readonly negotiation: string[] = [];
  private state: 'data' | 'iac' | 'option' | 'sb' | 'sbIac' = 'data';
  private verb = 0;
  private sb: number[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.parse(chunk));
    socket.on('error', () => {});
    socket.write(Buffer.from([IAC, WILL, COM_PORT_OPTION]));
  }

  static connect(url: string): Promise<Rfc2217Client> {
    const match = /^rfc2217:\/\/([^:]+):(\d+)$/.exec(url);
    if (!match) throw new Error(`not an rfc2217 URL: ${url}`);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(match[2]), match[1], () => resolve(new Rfc2217Client(socket)));
      socket.once('error', reject);
    });
  }

  text(from = 0): string {
    return this.data.subarray(from).toString('latin1');
  }

  /** Where the console stands now; pass it to waitFor to look only at what comes after. */
  mark(): number {
    return this.data.length;
  }

  async waitFor(pattern: string | RegExp, from: number, timeoutMs = 5000): Promise<string> {
    const found = () => (typeof pattern === 'string' ? this.text(from).includes(pattern) : pattern.test(this.text(from)));
    if (found()) return this.text(from);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waited ${timeoutMs} ms for ${String(pattern)}; console since mark:\n${this.text(from)}`));
      }, timeoutMs);
      const check = () => {
        if (!found()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
    return this.text(from);
  }

  async waitForAnswer(code: number, timeoutMs = 2000): Promise<number[]> {
    const find = () => this.answers.find((a) => a[0] === code);
    const deadline = Date.now() + timeoutMs;
    while (!find()) {
      if (Date.now() > deadline) throw new Error(`no COM-PORT-OPTION answer ${code} within ${timeoutMs} ms; got ${JSON.stringify(this.answers)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return find()!;
  }

  /**
   * SET-CONTROL, resolved once the server has answered: by then it has applied the change,
   * and every byte the board sent before it has arrived (one ordered stream).
   */
  async control(value: number, timeoutMs = 5000): Promise<void> {
    const seen = this.answers.length;
    this.subnegotiate(5, [value]);
    const deadline = Date.now() + timeoutMs;
    while (!this.answers.slice(seen).some((a) => a[0] === 105 && a[1] === value)) {
      if (Date.now() > deadline) throw new Error(`SET-CONTROL ${value} not answered within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  setBaud(baud: number): void {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(baud);
    this.subnegotiate(1, [...value]);
  }

  write(data: Buffer | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const out: number[] = [];
    for (const byte of bytes) {
      out.push(byte);
      if (byte === IAC) out.push(IAC);
    }
    this.socket.write(Buffer.from(out));
  }

  close(): void {
    this.socket.destroy();
  }

  private subnegotiate(code: number, value: number[]): void {
    const body = value.flatMap((b) => (b === IAC ? [IAC, IAC] : [b]));
    this.socket.write(Buffer.from([IAC, SB, COM_PORT_OPTION, code, ...body, IAC, SE]));
  }

  private parse(chunk: Buffer): void {
    const data: number[] = [];
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
          } else if (byte >= WILL && byte <= DONT) {
            this.verb = byte;
            this.state = 'option';
          } else if (byte === SB) {
            this.sb = [];
            this.state = 'sb';
          } else this.state = 'data';
          break;
        case 'option':
          this.negotiation.push(`${{ [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' }[this.verb]} ${byte}`);
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
            if (this.sb[0] === COM_PORT_OPTION) this.answers.push(this.sb.slice(1));
            this.state = 'data';
          }
          break;
      }
    }
    if (data.length > 0) this.data = Buffer.concat([this.data, Buffer.from(data)]);
    for (const waiter of [...this.waiters]) waiter();
  }
}
