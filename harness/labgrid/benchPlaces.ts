import type { BoardConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { LabgridClient, type PlaceInfo } from './client.ts';
import { isLabgridPort, parseLabgridTarget } from './target.ts';

/** A place of the lab that some board of the bench file can use, and who holds it now. */
export interface PlaceRow {
  coordinator: string;
  place: string;
  tags: Record<string, string>;
  /** Boards of the bench file whose port this place satisfies. */
  boards: string[];
  /** `free`, `acquired by host/user` or `reserved by host/user`. */
  state: string;
  holder: string | null;
  /** The place's NetworkSerialPort as rfc2217://host:port, or why there is none. */
  serial: string;
  /** Its power resource classes. */
  power: string[];
}

export interface CoordinatorRow {
  coordinator: string;
  /** Why the coordinator could not be asked, when it could not. */
  error?: string;
  places: PlaceRow[];
}

/** The coordinator's scheduler rule: every filter tag present on the place; `name` is its name. */
export function placeMatches(place: Pick<PlaceInfo, 'name' | 'tags'>, filters: Record<string, string>): boolean {
  return Object.entries(filters).every(([k, v]) => (k === 'name' ? place.name === v : place.tags[k] === v));
}

const POWER = new Set(['NetworkPowerPort', 'NetworkUSBPowerPort', 'NetworkSiSPMPowerPort', 'PDUDaemonPort', 'TasmotaPowerPort', 'NetworkYKUSHPowerPort', 'NetworkSysfsGPIO']);

function row(coordinator: string, place: PlaceInfo, boards: string[]): PlaceRow {
  const serial = place.resources.find((r) => r.cls === 'NetworkSerialPort');
  const host = serial?.params.host as string | undefined;
  const port = serial?.params.port as number | null | undefined;
  const holder = place.acquired ?? place.reservedBy;
  return {
    coordinator,
    place: place.name,
    tags: place.tags,
    boards,
    state: place.acquired ? `acquired by ${place.acquired}` : place.reservedBy ? `reserved by ${place.reservedBy}` : 'free',
    holder,
    // An exporter serves a USB serial port through ser2net only while the place is acquired.
    serial: serial ? (port ? `rfc2217://${host}:${port}` : 'served once acquired') : 'no NetworkSerialPort',
    power: place.resources.filter((r) => POWER.has(r.cls)).map((r) => r.cls),
  };
}

/**
 * Asks each coordinator the bench file names for its places, and keeps those a board of the
 * file can use. An unreachable coordinator is a row with its error, not a failure: this is what
 * a person runs to see what is wrong.
 */
export async function benchPlaces(boards: BoardConfig[], log: Logger, env?: NodeJS.ProcessEnv): Promise<CoordinatorRow[]> {
  const byCoordinator = new Map<string, { board: string; filters: Record<string, string> }[]>();
  for (const board of boards.filter((b) => isLabgridPort(b.port))) {
    const target = parseLabgridTarget(board.port);
    const list = byCoordinator.get(target.coordinator) ?? [];
    list.push({ board: board.name, filters: target.filters });
    byCoordinator.set(target.coordinator, list);
  }
  return Promise.all(
    [...byCoordinator].map(async ([coordinator, wanted]): Promise<CoordinatorRow> => {
      let client: LabgridClient | undefined;
      try {
        client = await LabgridClient.connect(coordinator, { log, env, connectTimeoutMs: 15_000 });
        const places = await client.places();
        return {
          coordinator,
          places: places.flatMap((p) => {
            const users = wanted.filter((w) => placeMatches(p, w.filters)).map((w) => w.board);
            return users.length > 0 ? [row(coordinator, p, users)] : [];
          }),
        };
      } catch (err) {
        return { coordinator, error: err instanceof HilError ? err.line() : String(err), places: [] };
      } finally {
        await client?.close();
      }
    }),
  );
}
