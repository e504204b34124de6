import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HilError } from '../../errors.ts';
import { SUMMARY_SCHEMA, SummarySchema, type Summary } from './summary.ts';

/** Reads a run summary from a summary.json path or from the run folder that holds one. */
export function loadSummary(path: string): Summary {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'summary.json') : path;
  if (!existsSync(file)) {
    throw new HilError(`no run summary at ${file}`, 'pass a reports/<run-id> folder or its summary.json', 2);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HilError(`${file} is not JSON: ${(err as Error).message}`, 'was the run interrupted while writing it?', 2);
  }
  const schema = (raw as { schema?: unknown })?.schema;
  if (schema !== SUMMARY_SCHEMA) {
    throw new HilError(`${file}: schema ${JSON.stringify(schema)} is not ${SUMMARY_SCHEMA}`, 'compare summaries written by this version of proplet-hil', 2);
  }
  const parsed = SummarySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HilError(`${file}: ${issue.path.join('.')}: ${issue.message}`, 'the summary file is damaged', 2);
  }
  return parsed.data;
}
