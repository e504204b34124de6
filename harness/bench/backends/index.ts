import { parsePortSpec, type PortSpec } from '../../config/portSpec.ts';
import type { BackendContext, BoardBackend } from './backend.ts';
import { LabgridBackend } from './labgrid.ts';
import { Rfc2217Backend } from './rfc2217.ts';
import { SerialBackend } from './serial.ts';
import { VirtualBackend } from './virtual.ts';

interface BackendRow {
  make: new (ctx: BackendContext) => BoardBackend;
  /** The board exists only while a run holds it: it belongs to no lab bench. */
  ephemeral: boolean;
}

/** Which backend serves each form of a board's `port:`; a new backend is one more row. */
const BACKENDS: Record<PortSpec['kind'], BackendRow> = {
  path: { make: SerialBackend, ephemeral: false },
  serial: { make: SerialBackend, ephemeral: false },
  usb: { make: SerialBackend, ephemeral: false },
  rfc2217: { make: Rfc2217Backend, ephemeral: false },
  virtual: { make: VirtualBackend, ephemeral: true },
  labgrid: { make: LabgridBackend, ephemeral: false },
};

/** The backend for a board, chosen by its `port:` in the bench file. */
export function backendFor(ctx: BackendContext): BoardBackend {
  return new BACKENDS[parsePortSpec(ctx.board.port).kind].make(ctx);
}

/** Whether a `port:` names a board the run itself starts (and so no lab board). */
export function isEphemeralPort(port: string): boolean {
  return BACKENDS[parsePortSpec(port).kind].ephemeral;
}
