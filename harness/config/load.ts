import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { HilError } from '../errors.ts';
import { generatedCredentials } from './credentials.ts';
import { interpolate, InterpolationError } from './interpolate.ts';
import { issueLine } from './issues.ts';
import { formatPath } from './path.ts';
import { LabConfigSchema, startedByRun, type LabConfig } from './schema.ts';

/**
 * Reads and checks a bench description. Every problem becomes a HilError (exit 2) with one
 * line naming the file and the key path: `lab.config.yaml: boards[0].port: expected …; got "…"`.
 * Relative file paths in the config (firmware, TLS) are resolved from the config's folder.
 */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LabConfig> {
  // The line itself says what was expected where; a hint is added only where it helps further.
  const fail = (message: string, hint?: string) => new HilError(`${path}: ${message}`, hint, 2);

  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail('no such file', 'pass --config FILE or set HIL_CONFIG, or run from the repository root');
    throw fail(`cannot read (${code ?? (err as Error).message})`, 'check the path and its permissions');
  }

  const doc = parseDocument(source, { uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    const firstLine = yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new HilError(`${path}${at ? `:${at.line}:${at.col}` : ''}: ${firstLine}`, 'fix the YAML syntax', 2);
  }
  const tree = doc.toJS() as unknown;
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw fail(
      `expected a mapping with boards, broker, firmware, propeller…; got ${tree === null ? 'an empty file' : 'something else'}`,
      'the lab.config.yaml in the repository runs with no hardware and shows a real bench in its comments',
    );
  }

  let expanded;
  try {
    expanded = interpolate(tree, env);
  } catch (err) {
    if (err instanceof InterpolationError) throw fail(`${formatPath(err.path)}: ${err.message}`);
    throw err;
  }

  const parsed = LabConfigSchema.safeParse(expanded.value);
  if (!parsed.success) {
    // An unknown key usually explains a "missing" one (a typo), so it is the one to report.
    const issues = [...parsed.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    // Every mistake, each on its line, so that one pass fixes them all.
    const [first, ...rest] = issues.map((issue) => `${path}: ${issueLine(issue, expanded.value, LabConfigSchema, expanded.unset)}`);
    const err = new HilError(first!, undefined, 2);
    err.also = rest;
    throw err;
  }

  const config = parsed.data;
  const base = dirname(path);
  const fromConfig = (file: string) => (isAbsolute(file) ? file : resolve(base, file));
  if (config.firmware.image) config.firmware.image = fromConfig(config.firmware.image);
  if (config.firmware.manifest) config.firmware.manifest = fromConfig(config.firmware.manifest);
  if (config.broker.tls) {
    config.broker.tls.cert = fromConfig(config.broker.tls.cert);
    config.broker.tls.key = fromConfig(config.broker.tls.key);
  }
  for (const board of config.boards) {
    if (startedByRun(board.port)) config.propeller.proplets[board.name] ??= generatedCredentials(path, board.name);
  }
  return config;
}
