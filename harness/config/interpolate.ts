import { formatPath } from './path.ts';

/** A malformed ${…} reference, at the key path where it was written. */
export class InterpolationError extends Error {
  constructor(readonly path: PropertyKey[], message: string) {
    super(message);
  }
}

export interface Interpolated {
  value: unknown;
  /** For each key path whose value came out empty: the variables that were unset there. */
  unset: Map<string, string[]>;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands ${VAR} and ${VAR:-default} in every string value of a parsed YAML tree (values only,
 * never keys). Expansion happens after YAML parsing, so a secret with YAML-special characters
 * cannot change the document's structure. A value that expands to the empty string is dropped,
 * so an unset secret reads as absent and the schema decides whether it was needed.
 */
export function interpolate(tree: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const unset = new Map<string, string[]>();

  const expand = (text: string, path: PropertyKey[]): string | undefined => {
    if (!text.includes('${')) return text;
    const missing: string[] = [];
    const out = text.replace(REFERENCE, (_, body: string) => {
      const [name, fallback] = body.includes(':-') ? [body.slice(0, body.indexOf(':-')), body.slice(body.indexOf(':-') + 2)] : [body, undefined];
      if (!NAME.test(name)) throw new InterpolationError(path, `expected \${NAME} or \${NAME:-default}; got "\${${body}}"`);
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback === undefined) missing.push(name);
      return fallback ?? '';
    });
    if (out.includes('${')) throw new InterpolationError(path, `expected \${NAME} or \${NAME:-default}; got an unclosed "\${" in "${text}"`);
    if (out !== '') return out;
    if (missing.length) unset.set(formatPath(path), missing);
    return undefined;
  };

  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') return expand(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        const value = walk(child, [...path, key]);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    return node;
  };

  return { value: walk(tree, []), unset };
}
