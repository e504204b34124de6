import { z } from 'zod';
import { HilError } from '../errors.ts';
import { isLabgridPort, parseLabgridTarget, type LabgridTarget } from '../labgrid/target.ts';

/** Where a board's serial port is, as lab.config.yaml writes it (`port:`). */
export const PortSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1) }),
  /** By USB serial number: stable across re-plugs and across the re-enumeration of a reset. */
  z.object({ kind: z.literal('serial'), serialNumber: z.string().min(1) }),
  /** By USB bus-port location (1-1.4), optionally one interface of it (1-1.4:1.0). */
  z.object({ kind: z.literal('usb'), location: z.string().regex(/^\d+-[\d.]+(:\d+\.\d+)?$/) }),
  z.object({ kind: z.literal('rfc2217'), host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  /** A virtual board that the bench starts; it becomes an rfc2217 spec once it runs. */
  z.object({ kind: z.literal('virtual') }),
  /** A place in a labgrid lab (labgrid://coordinator/place or ?tag=value); it becomes an rfc2217 spec once leased. */
  z.object({ kind: z.literal('labgrid'), target: z.custom<LabgridTarget>() }),
]);
export type PortSpec = z.infer<typeof PortSpec>;

const FORMS = 'a device path, serial:<usb serial>, usb:<bus-port>, rfc2217://host:port, or virtual';

export function parsePortSpec(spec: string): PortSpec {
  const parsed = PortSpec.safeParse(candidate(spec.trim()));
  if (!parsed.success) throw new HilError(`port "${spec}" is not ${FORMS}`, 'e.g. /dev/ttyUSB0, serial:0001A2B3, usb:1-1.4, rfc2217://bench2.lab:4000', 2);
  return parsed.data;
}

function candidate(spec: string): unknown {
  if (spec === 'virtual') return { kind: 'virtual' };
  // Its own parser names what is wrong with a labgrid port.
  if (isLabgridPort(spec)) return { kind: 'labgrid', target: parseLabgridTarget(spec) };
  if (spec.startsWith('/')) return { kind: 'path', path: spec };
  if (spec.startsWith('serial:')) return { kind: 'serial', serialNumber: spec.slice('serial:'.length) };
  if (spec.startsWith('usb:')) return { kind: 'usb', location: spec.slice('usb:'.length) };
  if (spec.startsWith('rfc2217://')) {
    try {
      const url = new URL(spec);
      // URL keeps IPv6 brackets in hostname; net.connect wants the bare address.
      return { kind: 'rfc2217', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || undefined };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
