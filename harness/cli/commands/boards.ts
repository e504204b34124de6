import { realpath } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isEphemeralPort } from '../../bench/backends/index.ts';
import { loadConfig } from '../../config/load.ts';
import type { LabConfig } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import { benchPlaces } from '../../labgrid/benchPlaces.ts';
import { isLabgridPort } from '../../labgrid/target.ts';
import { listPorts, type PortInfo } from '../../transport/discovery.ts';
import { matchPorts } from '../../transport/open.ts';
import { parsePortSpec } from '../../config/portSpec.ts';
import type { Command } from '../command.ts';

const USAGE = `usage: hil boards [--json] [--sysfs DIR]

Lists the boards of the config (name, port, the device the port resolves to on this host) and
the serial ports this host sees: path, USB VID:PID, serial number, USB location, product, a
mark for likely ESP32-S3 boards, and the configured board each one is. For labgrid boards
(port: labgrid://…) it lists the coordinator's places they can use, with who holds each.

  --json       one JSON object {boards, ports, labgrid?} instead of tables
  --sysfs DIR  read this sysfs tree instead of /sys (a host's /sys mounted into a container)`;

interface BoardRow {
  name: string;
  port: string;
  /** The local device the port resolves to, or why there is none. */
  device: string;
}

type PortRow = PortInfo & { board?: string };

/** Ports a board's spec names on this host; a path spec also matches through symlinks (by-id). */
async function portsOf(spec: string, ports: PortInfo[]): Promise<PortInfo[]> {
  const parsed = parsePortSpec(spec);
  if (parsed.kind !== 'path') return matchPorts(parsed, ports);
  const real = await realpath(parsed.path).catch(() => parsed.path);
  return ports.filter((p) => p.path === parsed.path || p.path === real);
}

async function boardRow(board: LabConfig['boards'][number], ports: PortInfo[]): Promise<BoardRow> {
  if (isLabgridPort(board.port)) return { name: board.name, port: board.port, device: 'labgrid (places below)' };
  const parsed = parsePortSpec(board.port);
  const row = { name: board.name, port: board.port };
  if (isEphemeralPort(board.port)) return { ...row, device: `${board.port} (started by the run)` };
  if (parsed.kind === 'rfc2217') return { ...row, device: 'remote' };
  const found = await portsOf(board.port, ports);
  if (found.length === 1) return { ...row, device: found[0]!.path };
  if (found.length > 1) return { ...row, device: `ambiguous: ${found.map((p) => p.path).join(', ')}` };
  // A path that discovery does not list (a pty, a by-path link to nothing) may still open.
  if (parsed.kind === 'path') return { ...row, device: (await realpath(parsed.path).catch(() => undefined)) ? parsed.path : 'not found' };
  return { ...row, device: 'not found' };
}

function mark(port: PortInfo): string {
  if (port.esp32s3 === 'likely') return 'likely ESP32-S3';
  if (port.esp32s3 === 'possible') return `possible (${port.adapter})`;
  return '';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

export const boardsCommand: Command = {
  name: 'boards',
  summary: "list the config's boards, the serial ports this host sees (USB ids, ESP32-S3 mark) and labgrid places",
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: { json: { type: 'boolean', default: false }, sysfs: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new HilError(`unexpected argument "${positionals[0]}"`, 'run hil boards --help', 2);
    const config = await loadConfig(ctx.configPath);
    const ports = await listPorts(values.sysfs ? { sysfsRoot: values.sysfs } : {});
    const boards = await Promise.all(config.boards.map((b) => boardRow(b, ports)));
    const portRows: PortRow[] = [];
    for (const port of ports) {
      let board: string | undefined;
      for (const b of config.boards) if (!isEphemeralPort(b.port) && !isLabgridPort(b.port) && (await portsOf(b.port, [port])).length > 0) board = b.name;
      portRows.push(board ? { ...port, board } : port);
    }

    const labgrid = await benchPlaces(config.boards, ctx.log);

    if (values.json) {
      console.log(JSON.stringify({ boards, ports: portRows, ...(labgrid.length > 0 ? { labgrid } : {}) }));
      return 0;
    }
    console.log(`boards in ${ctx.configPath}:`);
    console.log(table(['NAME', 'PORT', 'DEVICE'], boards.map((b) => [b.name, b.port, b.device])));
    console.log('');
    for (const lab of labgrid) {
      if (lab.error) console.log(`labgrid places on ${lab.coordinator}: ${lab.error}`);
      else if (lab.places.length === 0) console.log(`labgrid places on ${lab.coordinator}: none matches the boards' ports`);
      else {
        console.log(`labgrid places on ${lab.coordinator}:`);
        const rows = lab.places.map((p) => [p.place, Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-', p.state, p.serial, p.power.join(',') || '-', p.boards.join(',')]);
        console.log(table(['PLACE', 'TAGS', 'STATE', 'SERIAL', 'POWER', 'BOARD'], rows));
      }
      console.log('');
    }
    if (portRows.length === 0) {
      console.log('serial ports on this host: none');
      return 0;
    }
    console.log('serial ports on this host:');
    console.log(
      table(
        ['PATH', 'VID:PID', 'SERIAL', 'USB', 'PRODUCT', 'ESP32-S3', 'BOARD'],
        portRows.map((p) => [
          p.path,
          p.vendorId ? `${p.vendorId}:${p.productId}` : '-',
          p.serialNumber ?? '-',
          p.location ? `${p.location}${p.interface ? `:${p.interface}` : ''}` : '-',
          p.product ?? '-',
          mark(p),
          p.board ?? '-',
        ]),
      ),
    );
    return 0;
  },
};
