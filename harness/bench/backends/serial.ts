import { credentialsFor } from '../../config/credentials.ts';
import type { LabConfig, PropletCredentials } from '../../config/schema.ts';
import type { SerialPortInfo } from '../../flash/webSerial.ts';
import { powerFromConfig } from '../../power/fromConfig.ts';
import type { PowerDriver } from '../../power/power.ts';
import { listPorts } from '../../transport/discovery.ts';
import { matchPorts } from '../../transport/open.ts';
import { parsePortSpec } from '../../config/portSpec.ts';
import type { Transport } from '../../transport/transport.ts';
import type { BackendContext, BoardBackend, BoardIdentity } from './backend.ts';

/** USB ids of a local port, so that esptool-js can tell the USB-Serial/JTAG from a bridge. */
async function usbIds(port: string): Promise<SerialPortInfo | undefined> {
  const info = matchPorts(parsePortSpec(port), await listPorts().catch(() => []))[0];
  if (!info?.vendorId || !info.productId) return undefined;
  return { usbVendorId: parseInt(info.vendorId, 16), usbProductId: parseInt(info.productId, 16) };
}

/** A board on a serial port of this host: a device path, serial:<usb serial> or usb:<bus-port>. */
export class SerialBackend implements BoardBackend {
  readonly kind = 'serial';
  readonly ephemeral = false;
  constructor(private readonly ctx: BackendContext) {}

  async start(): Promise<void> {}

  get url(): string {
    return this.ctx.board.port;
  }

  power(transport: Transport): PowerDriver {
    return powerFromConfig(this.ctx.board.power, transport);
  }

  async identity(): Promise<BoardIdentity> {
    const usb = await usbIds(this.ctx.board.port);
    return usb ? { usb } : {};
  }

  credentials(config: LabConfig): PropletCredentials {
    return credentialsFor(config, this.ctx.board.name);
  }

  async stop(): Promise<void> {}
}
