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

  off(): Promise<void> {
    return this.transport.setSignals({ dtr: false, rts: true });
  }

  on(): Promise<void> {
    return this.transport.setSignals({ dtr: false, rts: false });
  }

  cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    return cycleWith(this, offMs);
  }
}
