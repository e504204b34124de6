/**
 * Optional wire timing for the UART: with pacing on, bytes take the time they would at the
 * current baud (10 bits per byte: start, 8 data, stop), so benchmarks see realistic transfer
 * times. Off, bytes pass at once.
 */
const TICK_MS = 4;

export class Pacer {
  private queue: Buffer[] = [];
  private timer?: NodeJS.Timeout;
  private credit = 0;
  private last = 0;

  constructor(
    private readonly enabled: boolean,
    private readonly baud: () => number,
    private readonly deliver: (data: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    if (!this.enabled) {
      this.deliver(data);
      return;
    }
    this.queue.push(data);
    if (!this.timer) {
      this.last = performance.now();
      this.timer = setTimeout(this.tick, TICK_MS);
    }
  }

  /** Drops what is still on the wire (RFC 2217 PURGE-DATA, a chip reset). */
  purge(): void {
    this.queue = [];
    this.credit = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = performance.now();
    this.credit += ((now - this.last) * this.baud()) / 10 / 1000;
    this.last = now;
    const out: Buffer[] = [];
    while (this.queue.length > 0 && this.credit >= 1) {
      const head = this.queue[0];
      const n = Math.min(head.length, Math.floor(this.credit));
      out.push(head.subarray(0, n));
      this.credit -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (out.length > 0) this.deliver(Buffer.concat(out));
    if (this.queue.length > 0) this.timer = setTimeout(this.tick, TICK_MS);
    else this.credit = 0; // an idle line saves no time for later bytes
  };
}
