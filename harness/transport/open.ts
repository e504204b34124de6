import { realpath } from 'node:fs/promises';
import { HilError } from '../errors.ts';
import { log as sharedLog, type Logger } from '../log.ts';
import { listPorts, type DiscoveryOptions, type PortInfo } from './discovery.ts';
import { parsePortSpec, type PortSpec } from '../config/portSpec.ts';
import { Rfc2217Transport, type Rfc2217ServerSetting } from './rfc2217.ts';
import { SerialTransport } from './serial.ts';
import type { Transport } from './transport.ts';

export interface OpenOptions {
  baud: number;
  log?: Logger;
  /** Where discovery looks (tests point it at a fake sysfs tree and device directory). */
  discovery?: DiscoveryOptions;
  connectTimeoutMs?: number;
  ackTimeoutMs?: number;
  reopenWithinMs?: number;
  /** For rfc2217:// ports: the server's kind from the bench file (default: detected). */
  rfc2217Server?: Rfc2217ServerSetting;
}

/**
 * Opens the port a board's spec names: /dev/... | serial:<usb serial number> |
 * usb:<bus-port location, e.g. 1-1.4> | rfc2217://host:port. Resolves once bytes can flow.
 */
export async function openTransport(spec: string, opts: OpenOptions): Promise<Transport> {
  const parsed = parsePortSpec(spec);
  const logger = (opts.log ?? sharedLog()).child({ port: spec });
  const transport = await createTransport(spec, parsed, { ...opts, log: logger });
  await transport.open();
  return transport;
}

async function createTransport(spec: string, parsed: PortSpec, opts: OpenOptions & { log: Logger }): Promise<Transport> {
  switch (parsed.kind) {
    case 'rfc2217':
      return new Rfc2217Transport(spec, parsed.host, parsed.port, { ...opts, ...(opts.rfc2217Server ? { server: opts.rfc2217Server } : {}) });
    case 'virtual':
      throw new HilError(`port "virtual" has no device to open`, 'the bench starts a virtual board and opens its rfc2217:// address', 2);
    case 'labgrid':
      throw new HilError(`port "${spec}" is a labgrid place, not a device`, 'the bench leases the place and opens its rfc2217:// address', 2);
    case 'path': {
      const ports = await listPorts(opts.discovery);
      const real = await realpath(parsed.path).catch(() => parsed.path);
      const info = ports.find((p) => p.path === parsed.path || p.path === real);
      // A USB port opened by path still comes back after a reset: follow it by its serial number.
      const relocate = info?.serialNumber ? locator({ kind: 'serial', serialNumber: info.serialNumber }, info.interface, opts.discovery) : undefined;
      return new SerialTransport(spec, parsed.path, { ...opts, relocate });
    }
    case 'serial':
    case 'usb': {
      const ports = await listPorts(opts.discovery);
      const found = only(parsed, matchPorts(parsed, ports), ports);
      return new SerialTransport(spec, found.path, { ...opts, relocate: locator(parsed, found.interface, opts.discovery) });
    }
  }
}

/** The discovered ports a serial: or usb: spec names (one, unless a multi-port bridge is named whole). */
export function matchPorts(spec: PortSpec, ports: PortInfo[]): PortInfo[] {
  switch (spec.kind) {
    case 'serial':
      return ports.filter((p) => p.serialNumber === spec.serialNumber);
    case 'usb':
      return ports.filter((p) => p.location === spec.location || `${p.location}:${p.interface}` === spec.location);
    case 'path':
      return ports.filter((p) => p.path === spec.path);
    default:
      return [];
  }
}

function locator(spec: PortSpec, iface: string | undefined, discovery: DiscoveryOptions | undefined): () => Promise<string | undefined> {
  return async () => {
    const matches = matchPorts(spec, await listPorts(discovery));
    return (matches.length === 1 ? matches[0] : matches.find((p) => p.interface === iface))?.path;
  };
}

function only(spec: PortSpec & { kind: 'serial' | 'usb' }, matches: PortInfo[], all: PortInfo[]): PortInfo {
  const name = spec.kind === 'serial' ? `USB serial number ${spec.serialNumber}` : `USB location ${spec.location}`;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const usb = all.filter((p) => p.vendorId);
    throw new HilError(
      `no serial port with ${name}`,
      usb.length > 0 ? `found: ${usb.map(describe).join('; ')}` : 'this host sees no USB serial ports; is the board plugged in?',
    );
  }
  throw new HilError(
    `${name} names ${matches.length} ports: ${matches.map(describe).join('; ')}`,
    'name one interface with usb:<location>:<config.interface>, e.g. usb:1-1.4:1.0',
    2,
  );
}

function describe(p: PortInfo): string {
  const fields = [`${p.vendorId}:${p.productId}`, p.serialNumber && `serial ${p.serialNumber}`, p.location && `usb ${p.location}${p.interface ? `:${p.interface}` : ''}`];
  return `${p.path} (${fields.filter(Boolean).join(', ')})`;
}
