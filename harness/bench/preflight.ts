import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { credentialsFor } from '../config/credentials.ts';
import type { BoardConfig, LabConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { loadFirmware } from '../flash/manifest.ts';
import { listPorts } from '../transport/discovery.ts';
import { matchPorts } from '../transport/open.ts';
import { parsePortSpec } from '../config/portSpec.ts';

/** A remote serial server that does not answer within this is reported as not answering. */
const CONNECT_TIMEOUT_MS = 3_000;

export interface PreflightInput {
  config: LabConfig;
  /** The bench's boards, in its order (board i's broker is basePort + i). */
  boards: BoardConfig[];
  /** Only these of them run (hil test --board); all when absent. */
  selected?: string[];
  /** hil test --firmware, replacing the config's. */
  firmware?: string;
}

function problem(err: unknown): string {
  if (err instanceof HilError) return err.line();
  return (err as Error).message.split('\n')[0]!;
}

function answers(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

function portFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/**
 * What would make every test of a run fail, found before the runner starts: the firmware
 * image (there, an ESP32-S3 image, laid out as the flasher expects), each lab board's
 * credentials and port, and the broker's fixed ports. One line per problem; none means go.
 */
export async function preflight(input: PreflightInput): Promise<string[]> {
  const { config } = input;
  const boards = input.boards.map((b, i) => ({ ...b, index: i })).filter((b) => !input.selected?.length || input.selected.includes(b.name));
  const problems: string[] = [];
  const image = input.firmware ?? config.firmware.image ?? config.firmware.manifest!;
  try {
    loadFirmware(image);
  } catch (err) {
    problems.push(`firmware: ${problem(err)}`);
  }
  const lab = boards.filter((b) => b.port !== 'virtual');
  const attached = lab.some((b) => ['serial', 'usb'].includes(parsePortSpec(b.port).kind)) ? await listPorts().catch(() => []) : [];
  const checks = lab.map(async (board) => {
    const found: string[] = [];
    try {
      credentialsFor(config, board.name);
    } catch (err) {
      found.push(problem(err));
    }
    const spec = parsePortSpec(board.port);
    if (spec.kind === 'path' && !existsSync(spec.path)) found.push(`board ${board.name}: port ${spec.path} does not exist (is the board plugged in? hil boards lists the ports)`);
    if ((spec.kind === 'serial' || spec.kind === 'usb') && matchPorts(spec, attached).length === 0) {
      found.push(`board ${board.name}: no attached serial port matches ${board.port} (hil boards lists the ports)`);
    }
    if (spec.kind === 'rfc2217') {
      const why = await answers(spec.host, spec.port);
      if (why) found.push(`board ${board.name}: ${board.port} does not answer (${why})`);
    }
    return found;
  });
  for (const found of await Promise.all(checks)) problems.push(...found);
  const { broker } = config;
  if (!broker.external && broker.basePort !== undefined) {
    const ports = await Promise.all(boards.map((b) => portFree(broker.bind, broker.basePort! + b.index).then((why) => [b, broker.basePort! + b.index, why] as const)));
    for (const [board, port, why] of ports) {
      if (why) problems.push(`broker.basePort: port ${port} (board ${board.name}'s broker) cannot be used on ${broker.bind} (${why})`);
    }
  }
  return problems;
}
