import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BoardConfig } from '../config/schema.ts';
import { parsePortSpec } from '../config/portSpec.ts';
import { listPorts, type DiscoveryOptions } from '../transport/discovery.ts';
import { matchPorts } from '../transport/open.ts';
import { virtualStateDir } from './backends/virtual.ts';

function canonicalPath(path: string): string {
  return existsSync(path) ? realpathSync(path) : path;
}

/**
 * The name of a board's host-wide lock: what the board IS, not what a bench file calls it, so
 * that two benches naming one board differently still exclude each other, and two benches
 * that both call a board "v0" do not. A device path counts through its symlinks
 * (/dev/serial/by-id/… and /dev/ttyUSB0 are one board), and a serial:/usb: spec counts as the
 * device it names now (serial:0001A2B3 and the /dev/ttyUSB0 it is plugged in as are one board;
 * unplugged, it keeps a name of its own). A virtual board is its state directory, which lives
 * beside its bench file, so the virtual benches of two checkouts are apart while two runs of
 * one checkout share (and take turns on) its boards.
 */
export async function boardLockName(board: Pick<BoardConfig, 'name' | 'port'>, configPath: string, discovery?: DiscoveryOptions): Promise<string> {
  const spec = parsePortSpec(board.port);
  switch (spec.kind) {
    case 'virtual':
      return `board virtual ${canonicalPath(virtualStateDir(configPath, board.name))}`;
    case 'path':
      return `board ${canonicalPath(spec.path)}`;
    case 'serial':
    case 'usb': {
      const found = matchPorts(spec, await listPorts(discovery).catch(() => []));
      // A dual bridge named whole is two devices: its USB name stands for both.
      if (found.length === 1) return `board ${canonicalPath(found[0]!.path)}`;
      return spec.kind === 'serial' ? `board usb-serial ${spec.serialNumber}` : `board usb ${spec.location}`;
    }
    case 'rfc2217':
      return `board rfc2217://${spec.host.toLowerCase()}:${spec.port}`;
    case 'labgrid':
      // The coordinator keeps two runs off one place; a pool's boards are told apart by name, as a virtual board's are.
      return `board labgrid ${spec.target.coordinator} ${canonicalPath(resolve(configPath))} ${board.name}`;
  }
}
