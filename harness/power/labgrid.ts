import type { PlaceLease } from '../labgrid/placeLease.ts';
import type { Transport } from '../transport/transport.ts';
import { DEFAULT_OFF_MS, type PowerDriver } from './power.ts';

/**
 * Power through the lab: labgrid switches the place's power resource (a PDU port, a REST
 * relay, a USB hub port) with its own driver, as `labgrid-client power` does. A board's
 * USB-serial bridge may drop with its power, so power-on reopens the serial connection.
 */
export class LabgridPower implements PowerDriver {
  readonly kind = 'labgrid';
  constructor(
    private readonly lease: Pick<PlaceLease, 'switchPower'>,
    private readonly transport?: Transport,
  ) {}

  off(): Promise<void> {
    return this.lease.switchPower('off');
  }

  async on(): Promise<void> {
    await this.lease.switchPower('on');
    if (this.transport && !this.transport.isOpen) await this.transport.open();
  }

  async cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    await this.lease.switchPower('cycle', offMs);
    if (this.transport && !this.transport.isOpen) await this.transport.open();
  }
}
