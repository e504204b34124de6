/**
 * A minimal RFC 2217 client for the virtual board's tests, written from the RFC and not
 * shared with the harness (which must not be imported here): telnet negotiation, IAC
 * escaping, SET-CONTROL / SET-BAUDRATE, and a wait for text on the console.
 */
import net from 'node:net';
import { COM_PORT_OPTION, DO, DONT, escapeIac, IAC, SB, SE, TelnetDecoder, WILL, WONT } from '../telnet.ts';

const VERBS: Record<number, string> = { [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' };


export const CONTROL = { DTR_ON: 8, DTR_OFF: 9, RTS_ON: 11, RTS_OFF: 12 } as const;

export class Rfc2217Client {
  /** Every UART byte received, telnet framing removed. */
  data = Buffer.alloc(0);
  /** Every COM-PORT-OPTION answer from the server: [code, ...value]. */
  readonly answers: number[][] = [];
  /** Option verbs the server sent, e.g. "WILL 0". */
  readonly negotiation: string[] = [];
  private readonly decoder = new TelnetDecoder({
    data: (bytes) => (this.data = Buffer.concat([this.data, bytes])),
    option: (verb, option) => this.negotiation.push(`${VERBS[verb]} ${option}`),
    subnegotiation: (body) => {
      if (body[0] === COM_PORT_OPTION) this.answers.push(body.slice(1));
    },
  });
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
    this.socket.write(Buffer.from(escapeIac(bytes)));
  }

  close(): void {
    this.socket.destroy();
  }

  private subnegotiate(code: number, value: number[]): void {
    this.socket.write(Buffer.from([IAC, SB, COM_PORT_OPTION, code, ...escapeIac(value), IAC, SE]));
  }

  private parse(chunk: Buffer): void {
    this.decoder.feed(chunk);
    for (const waiter of [...this.waiters]) waiter();
  }
}
