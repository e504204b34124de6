import type { z } from 'zod';
import { formatPath, valueAt } from './path.ts';

/** How a found value reads in an error line. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length ? 'a list' : 'an empty list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };

/**
 * One issue as "<key path>: expected …; got …". `input` is the interpolated YAML tree (what
 * the schema saw), `unset` names the variables behind values that came out empty.
 */
export function issueLine(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType, unset: Map<string, string[]>): string {
  const path = issue.path;
  const where = (p: readonly PropertyKey[]) => (p.length ? `${formatPath(p)}: ` : '');
  const got = () => {
    const value = valueAt(input, path);
    const vars = unset.get(formatPath(path));
    if (value === undefined && vars) return `got nothing (${vars.map((v) => `\${${v}}`).join(', ')} not set)`;
    return `got ${describe(value)}`;
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path, input);
      const lines = issue.keys.map((key) => {
        const near = nearest(key, known);
        return `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''}`;
      });
      return `${where(path)}${lines.join('; ')}`;
    }
    case 'invalid_type':
      return `${where(path)}expected ${NAMES[issue.expected] ?? issue.expected}; ${got()}`;
    case 'invalid_value':
      return `${where(path)}expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}; ${got()}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options) return `${where(path)}expected ${options.map((v) => JSON.stringify(v)).join(' or ')}; ${got()}`;
      return `${where(path)}${issue.message}; ${got()}`;
    }
    case 'too_small':
    case 'too_big': {
      if (issue.message.startsWith('expected')) return `${where(path)}${issue.message}; ${got()}`;
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      return `${where(path)}expected ${issue.origin === 'number' ? 'a number' : issue.origin} ${bound}; ${got()}`;
    }
    default:
      if ((issue as { params?: { whole?: boolean } }).params?.whole) return `${where(path)}${issue.message}`;
      return `${where(path)}${issue.message}; ${got()}`;
  }
}

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; discriminator?: string };
const def = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps defaults, optionals and pipes (transform after, preprocess before) to the structural schema. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  for (;;) {
    const d = def(schema);
    if (d.innerType) schema = d.innerType;
    else if (d.type === 'pipe') schema = def(d.in!).type === 'transform' ? d.out! : d.in!;
    else if (d.type === 'union' && d.options) {
      // A discriminated union: follow the option whose literal matches the value's discriminator.
      const key = d.discriminator;
      const tag = key && value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      const option = d.options.find((o) => {
        const literal = def(unwrap(o, value)).shape?.[key ?? ''];
        return literal && (def(literal) as { values?: unknown[] }).values?.includes(tag);
      });
      if (!option) return schema;
      schema = option;
    } else return schema;
  }
}

/** The keys the schema allows for the object at `path` of `input`. */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let node = unwrap(schema, input);
  for (let i = 0; i < path.length; i++) {
    const d = def(node);
    const child = d.shape?.[path[i] as string] ?? d.element ?? d.valueType;
    if (!child) return [];
    node = unwrap(child, valueAt(input, path.slice(0, i + 1)));
  }
  return Object.keys(def(node).shape ?? {});
}

/** The known key a typo most likely meant: within two edits, or a case-insensitive match. */
export function nearest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one edit. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
