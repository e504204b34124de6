import { access, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { z } from 'zod';
import { classifyUsb } from './usbIds.ts';

export const PortInfo = z.object({
  /** The device to open, e.g. /dev/ttyACM0. */
  path: z.string(),
  /** Lower-case hex, four digits each. */
  vendorId: z.string().regex(/^[0-9a-f]{4}$/).optional(),
  productId: z.string().regex(/^[0-9a-f]{4}$/).optional(),
  serialNumber: z.string().optional(),
  /** USB bus-port path as the kernel names the device (1-1.4): stable while the cable stays in that hub port. */
  location: z.string().optional(),
  /** USB configuration.interface of this port (1.0); tells apart the ports of a dual bridge. */
  interface: z.string().optional(),
  product: z.string().optional(),
  manufacturer: z.string().optional(),
  /** What kind of USB serial adapter the ids name, when it is a known one. */
  adapter: z.string().optional(),
  esp32s3: z.enum(['likely', 'possible', 'unlikely']),
});
export type PortInfo = z.infer<typeof PortInfo>;

export interface DiscoveryOptions {
  /** Defaults to /sys; tests point it at a fake tree. */
  sysfsRoot?: string;
  /** Where the device nodes are; defaults to /dev. */
  devRoot?: string;
}

/**
 * The serial ports of this host. On Linux it reads sysfs itself (what udev reads too):
 * SerialPort.list() spawns udevadm, which containers and CI runners often lack, and it does not
 * report the USB location. Elsewhere SerialPort.list() is the source.
 */
export async function listPorts(opts: DiscoveryOptions = {}): Promise<PortInfo[]> {
  const sysfsRoot = opts.sysfsRoot ?? '/sys';
  const classDir = path.join(sysfsRoot, 'class', 'tty');
  if (opts.sysfsRoot === undefined && !(await exists(classDir))) return fromSerialPortList();
  const devRoot = opts.devRoot ?? '/dev';
  const names = (await readdir(classDir).catch(() => [] as string[])).sort(byNaturalName);
  const ports: PortInfo[] = [];
  for (const name of names) {
    const port = await fromSysfs(sysfsRoot, classDir, name, devRoot);
    if (port) ports.push(port);
  }
  return ports;
}

async function fromSysfs(sysfsRoot: string, classDir: string, name: string, devRoot: string): Promise<PortInfo | undefined> {
  const ttyDir = path.join(classDir, name);
  // Virtual terminals and ptys have no device behind them.
  const device = await realpath(path.join(ttyDir, 'device')).catch(() => undefined);
  if (!device) return undefined;
  // serial8250 registers ports that have no UART behind them; their type reads 0 (PORT_UNKNOWN).
  if ((await attr(ttyDir, 'type')) === '0') return undefined;
  const root = await realpath(sysfsRoot);
  const usb = await usbAncestor(device, root);
  const base = { path: path.join(devRoot, name) };
  if (!usb) return PortInfo.parse({ ...base, esp32s3: 'unlikely' });
  const vendorId = (await attr(usb.dir, 'idVendor'))?.toLowerCase();
  const productId = (await attr(usb.dir, 'idProduct'))?.toLowerCase();
  const product = await attr(usb.dir, 'product');
  return PortInfo.parse({
    ...base,
    vendorId,
    productId,
    serialNumber: await attr(usb.dir, 'serial'),
    location: path.basename(usb.dir),
    interface: interfaceOf(path.basename(usb.dir), usb.interfaceDir),
    product,
    manufacturer: await attr(usb.dir, 'manufacturer'),
    ...(vendorId && productId ? classifyUsb(vendorId, productId, product) : { esp32s3: 'unlikely' }),
  });
}

/** The USB device directory (the one with idVendor) above a tty's device, and the interface below it. */
async function usbAncestor(device: string, root: string): Promise<{ dir: string; interfaceDir?: string } | undefined> {
  let child: string | undefined;
  for (let dir = device; dir.startsWith(root) && dir !== root; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, 'idVendor'))) return { dir, interfaceDir: child && path.basename(child) };
    child = dir;
  }
  return undefined;
}

/** The kernel names an interface <location>:<configuration>.<interface>, e.g. 1-1.4:1.0. */
function interfaceOf(location: string, interfaceDir: string | undefined): string | undefined {
  return interfaceDir?.startsWith(`${location}:`) ? interfaceDir.slice(location.length + 1) : undefined;
}

async function fromSerialPortList(): Promise<PortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const vendorId = p.vendorId?.toLowerCase();
    const productId = p.productId?.toLowerCase();
    return PortInfo.parse({
      path: p.path,
      vendorId,
      productId,
      serialNumber: p.serialNumber,
      location: p.locationId,
      manufacturer: p.manufacturer,
      ...(vendorId && productId ? classifyUsb(vendorId, productId) : { esp32s3: 'unlikely' }),
    });
  });
}

async function attr(dir: string, name: string): Promise<string | undefined> {
  const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
  const value = text?.trim();
  return value ? value : undefined;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** ttyUSB2 before ttyUSB10. */
function byNaturalName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
