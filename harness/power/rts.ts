import { HilError } from '../errors.ts';
import { Rfc2217Transport } from '../transport/rfc2217.ts';
import type { Transport } from '../transport/transport.ts';
import { cycleWith, DEFAULT_OFF_MS, type PowerDriver } from './power.ts';

/**
 * EN held low through RTS. On a dev board's auto-reset circuit RTS asserted (with DTR not
 * asserted) pulls EN low, which keeps the chip in reset: as good as a power cut for the
 * firmware (no clean MQTT disconnect), though the USB-UART bridge stays powered.
 */
export class RtsPower implements PowerDriver {
  readonly kind = 'rts';
  constructor(private readonly transport: Transport) {}

  /**
   * esp_rfc2217_server ignores RTS on and turns RTS off into its own hard reset: behind it
   * EN cannot be held low, so there is no "off" to be had from RTS.
   */
  private get behindEspServer(): boolean {
    return this.transport instanceof Rfc2217Transport && this.transport.server === 'esp_rfc2217_server';
  }

  off(): Promise<void> {
    if (this.behindEspServer) {
      return Promise.reject(
        new HilError(
          `cannot power off the board on ${this.transport.url}: behind esp_rfc2217_server RTS cannot hold EN low (it turns RTS into its own reset)`,
          'give the board a power driver that cuts power (power: { driver: uhubctl | command }) in lab.config.yaml',
          2,
        ),
      );
    }
    return this.transport.setSignals({ dtr: false, rts: true });
  }

  on(): Promise<void> {
    return this.transport.setSignals({ dtr: false, rts: false });
  }

  /**
   * Behind esp_rfc2217_server a cycle is what it can do: its own hard reset, asked for by RTS
   * going off (RTS on first, which it ignores, so that "off" is a change the transport sends).
   */
  async cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    if (!this.behindEspServer) return cycleWith(this, offMs);
    await this.transport.setSignals({ dtr: false, rts: true });
    await this.transport.setSignals({ rts: false });
  }
}
