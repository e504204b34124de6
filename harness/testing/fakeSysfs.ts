import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A USB serial port as the kernel lays it out: cdc_acm (ttyACM*) or a usb-serial bridge (ttyUSB*). */
export interface FakeUsbPort {
  tty: string;
  /** Bus-port path, e.g. 1-1.4. */
  location: string;
  /** configuration.interface, e.g. 1.0. */
  interface?: string;
  vendorId: string;
  productId: string;
  serial?: string;
  product?: string;
  manufacturer?: string;
}

const HOST_CONTROLLER = 'devices/pci0000:00/0000:00:14.0/usb1';

/**
 * A sysfs tree in a temporary directory, shaped like Linux's (class/tty links into devices/,
 * a `device` link from each tty up to its interface), for discovery tests without hardware.
 */
export class FakeSysfs {
  private constructor(readonly root: string) {}

  static async create(): Promise<FakeSysfs> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'hil-sysfs-'));
    await mkdir(path.join(root, 'class', 'tty'), { recursive: true });
    return new FakeSysfs(root);
  }

  async addUsb(port: FakeUsbPort): Promise<void> {
    const usbDir = path.join(HOST_CONTROLLER, port.location);
    const ifaceName = `${port.location}:${port.interface ?? '1.0'}`;
    const ifaceDir = path.join(usbDir, ifaceName);
    await this.attrs(usbDir, { idVendor: port.vendorId, idProduct: port.productId, serial: port.serial, product: port.product, manufacturer: port.manufacturer });
    await this.attrs(ifaceDir, { bInterfaceNumber: '00' });
    if (port.tty.startsWith('ttyACM')) {
      // cdc_acm: <interface>/tty/ttyACM0, device -> the interface.
      await this.tty(path.join(ifaceDir, 'tty', port.tty), `../../../${ifaceName}`);
    } else {
      // usb-serial: <interface>/ttyUSB0/tty/ttyUSB0, device -> the usb-serial port.
      await this.tty(path.join(ifaceDir, port.tty, 'tty', port.tty), `../../../${port.tty}`);
    }
  }

  /** A 16550 the firmware found (type 4), or a placeholder serial8250 registers (type 0). */
  async addUart(tty: string, type: '0' | '4'): Promise<void> {
    const deviceDir = path.join('devices', 'platform', 'serial8250', `${tty}-port`);
    await this.attrs(deviceDir, {});
    const ttyDir = path.join(deviceDir, 'tty', tty);
    await this.tty(ttyDir, `../../../${tty}-port`);
    await this.attrs(ttyDir, { type });
  }

  /** A virtual console: a class/tty entry with no device behind it. */
  async addVirtualConsole(tty: string): Promise<void> {
    const ttyDir = path.join('devices', 'virtual', 'tty', tty);
    await this.attrs(ttyDir, {});
    await symlink(path.join('..', '..', ttyDir), path.join(this.root, 'class', 'tty', tty));
  }

  /** The port leaves, as a USB device does on unplug or on an ESP32-S3 reset. */
  async remove(tty: string): Promise<void> {
    await rm(path.join(this.root, 'class', 'tty', tty), { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  private async tty(ttyDir: string, deviceLink: string): Promise<void> {
    await mkdir(path.join(this.root, ttyDir), { recursive: true });
    await symlink(deviceLink, path.join(this.root, ttyDir, 'device'));
    await symlink(path.join('..', '..', ttyDir), path.join(this.root, 'class', 'tty', path.basename(ttyDir)));
  }

  private async attrs(dir: string, values: Record<string, string | undefined>): Promise<void> {
    await mkdir(path.join(this.root, dir), { recursive: true });
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) await writeFile(path.join(this.root, dir, name), `${value}\n`);
    }
  }
}
