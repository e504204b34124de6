import { join } from 'node:path';

/**
 * The folder of this run's reports: reports/<run-id>/. The run id is fixed once by the
 * runner process (playwright.config.ts) and inherited by its workers through the environment.
 */
export function runId(): string {
  process.env.HIL_RUN_ID ??= new Date().toISOString().replace(/[:.]/g, '-');
  return process.env.HIL_RUN_ID;
}

export function runDir(root = process.env.HIL_REPORTS_DIR ?? 'reports'): string {
  return join(root, runId());
}
