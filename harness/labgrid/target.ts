import { HilError } from '../errors.ts';

/** labgrid's coordinator port when an address names none (labgrid-client and -exporter agree). */
export const DEFAULT_COORDINATOR_PORT = 20408;

/**
 * A board that lives in a labgrid lab, as lab.config.yaml writes its `port:`:
 * `labgrid://coordinator[:port]/place` names one place; `labgrid://coordinator[:port]?board=esp32s3`
 * takes any free place whose tags match (labgrid's reservation filter, every tag must match).
 */
export interface LabgridTarget {
  /** host:port of the coordinator, as labgrid's clients take it. */
  coordinator: string;
  /** The reservation filter: `{ name: place }` for a named place, else the tags. */
  filters: Record<string, string>;
  /** The place's name when one is named. */
  place?: string;
}

// labgrid's coordinator accepts tag keys matching [a-z][a-z0-9_]+ (remote/common.py TAG_KEY).
const TAG_KEY = /^[a-z][a-z0-9_]+$/;
const TAG_VALUE = /^[a-z0-9_]+$/;
const PLACE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export function isLabgridPort(spec: string): boolean {
  return spec.trim().startsWith('labgrid://');
}

const FORMS = 'labgrid://coordinator[:port]/place or labgrid://coordinator[:port]?tag=value';

export function parseLabgridTarget(spec: string): LabgridTarget {
  const bad = (why: string) => new HilError(`port "${spec}": ${why}`, `expected ${FORMS}, e.g. labgrid://lab-coordinator:20408?board=esp32s3`, 2);
  let url: URL;
  try {
    url = new URL(spec.trim());
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'labgrid:') throw bad('expected the labgrid:// scheme');
  if (!url.hostname) throw bad('no coordinator host');
  if (url.username || url.password || url.hash) throw bad('unexpected user, password or #fragment');
  const coordinator = `${url.hostname}:${url.port || DEFAULT_COORDINATOR_PORT}`;
  const place = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  const tags: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!TAG_KEY.test(key)) throw bad(`tag "${key}" is not a labgrid tag key (lower case letters, digits, "_", at least two)`);
    if (!TAG_VALUE.test(value)) throw bad(`tag ${key}="${value}" is not a labgrid tag value (lower case letters, digits, "_")`);
    tags[key] = value;
  }
  if (place && Object.keys(tags).length > 0) throw bad('name a place or give tags, not both');
  if (place) {
    if (!PLACE.test(place)) throw bad(`"${place}" is not a place name`);
    return { coordinator, filters: { name: place }, place };
  }
  if (Object.keys(tags).length === 0) throw bad('names neither a place nor tags');
  return { coordinator, filters: tags };
}

/** How a person reads the target: `place s3-1` or `board=esp32s3`. */
export function describeFilters(filters: Record<string, string>): string {
  const keys = Object.keys(filters);
  if (keys.length === 1 && keys[0] === 'name') return `place ${filters.name}`;
  return keys
    .sort()
    .map((k) => `${k}=${filters[k]}`)
    .join(' ');
}
