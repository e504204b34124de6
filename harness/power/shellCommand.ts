import { execFile } from 'node:child_process';
import { HilError } from '../errors.ts';

const TIMEOUT_MS = 15_000;

/** Runs one command line through sh, bounded, and turns a failure into one readable line. */
export function runShell(commandLine: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', commandLine], { timeout: TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const detail = stderr.trim().split('\n').pop() || err.message;
      const timedOut = err.killed ? ` (no answer within ${TIMEOUT_MS / 1000} s)` : '';
      reject(new HilError(`${what}: \`${commandLine}\` failed${timedOut}: ${detail}`, 'check the command by hand on this host'));
    });
  });
}
