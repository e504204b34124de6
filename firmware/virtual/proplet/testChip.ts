/**
 * A chip for the model's in-process tests: the UART is a transcript, the flash a Buffer that
 * outlives the app (power cuts keep it), the clock real. Not a stand-in for the virtual chip,
 * whose own tests cover ROM, image and pins; this one only hosts the firmware model.
 */
import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { App, AppDescriptor, AppFactory, Chip } from '../app.ts';

export class TestChip implements Chip {
  readonly flash = Buffer.alloc(0x400000, 0xff);
  readonly mac = Buffer.from([0x7c, 0xdf, 0xa1, 0x0b, 0x2c, 0x3d]);
  transcript = '';
  resets = 0;
  private listener: (data: Buffer) => void = () => {};
  private booted = performance.now();
  private app?: App;
  private readonly waiters = new Set<() => void>();
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly factory: AppFactory,
    readonly descriptor: AppDescriptor = { projectName: 'proplet', version: '1.0.0' },
  ) {}

  powerOn(): this {
    this.booted = performance.now();
    this.listener = () => {};
    this.app = this.factory(this, this.descriptor);
    return this;
  }

  /** A power cut: the app stops, flash stays. */
  powerOff(): void {
    this.app?.stop();
    this.app = undefined;
  }

  uartWrite(data: string | Uint8Array): void {
    this.transcript += typeof data === 'string' ? data : this.decoder.write(Buffer.from(data));
    for (const wake of this.waiters) wake();
  }

  onUartData(listener: (data: Buffer) => void): void {
    this.listener = listener;
  }

  /** Straight TCP: in-process tests have no radio, so a power cut here closes with a FIN. */
  connect(host: string, port: number): Duplex {
    return tcpConnect({ host, port });
  }

  /** What the host types. */
  type(text: string): void {
    this.listener(Buffer.from(text, 'utf8'));
  }

  flashRead(offset: number, length: number): Buffer {
    return Buffer.from(this.flash.subarray(offset, offset + length));
  }

  flashWrite(offset: number, data: Uint8Array): void {
    Buffer.from(data).copy(this.flash, offset);
  }

  flashErase(offset: number, length: number): void {
    this.flash.fill(0xff, offset, offset + length);
  }

  uptimeMs(): number {
    return performance.now() - this.booted;
  }

  softwareReset(): void {
    this.resets++;
    this.powerOff();
    this.powerOn();
  }

  /** Resolves with the first match of `pattern` in the transcript after `from`. */
  expect(pattern: RegExp, { timeout = 5000, from = 0 } = {}): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.transcript.slice(from));
        if (!match) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${pattern} on the console within ${timeout} ms; last lines:\n${this.transcript.slice(from).split('\n').slice(-15).join('\n')}`));
      }, timeout);
      if (!check()) this.waiters.add(check);
    });
  }
}
