import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BoardConfig } from '../config/schema.ts';
import { parsePortSpec } from '../config/portSpec.ts';
import { virtualStateDir } from './backends/virtual.ts';

function canonicalPath(path: string): string {
  return existsSync(path) ? realpathSync(path) : path;
}

/**
 * The name of a board's host-wide lock: what the board IS, not what a bench file calls it, so
 * that two benches naming one board differently still exclude each other, and two benches
 * that both call a board "v0" do not. A device path counts through its symlinks
 * (/dev/serial/by-id/… and /dev/ttyUSB0 are one board); a virtual board is its state
 * directory, which lives beside its bench file, so the virtual benches of two checkouts are
 * apart while two runs of one checkout share (and take turns on) its boards.
 */
export function boardLockName(board: Pick<BoardConfig, 'name' | 'port'>, configPath: string): string {
  const spec = parsePortSpec(board.port);
  switch (spec.kind) {
    case 'virtual':
      return `board virtual ${canonicalPath(virtualStateDir(configPath, board.name))}`;
    case 'path':
      return `board ${canonicalPath(spec.path)}`;
    case 'serial':
      return `board usb-serial ${spec.serialNumber}`;
    case 'usb':
      return `board usb ${spec.location}`;
    case 'rfc2217':
      return `board rfc2217://${spec.host.toLowerCase()}:${spec.port}`;
    case 'labgrid':
      // The coordinator keeps two runs off one place; a pool's boards are told apart by name, as a virtual board's are.
      return `board labgrid ${spec.target.coordinator} ${canonicalPath(resolve(configPath))} ${board.name}`;
  }
}
