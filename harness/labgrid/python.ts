import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HilError } from '../errors.ts';

const INSTALL = 'pip install labgrid==26.0.1 (or bash .ci/install-peers), or set HIL_LABGRID_PYTHON to a Python that has labgrid';

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The interpreter a console script runs with: its #! line (pip writes the venv's python there). */
function shebangOf(script: string): string | undefined {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0]!;
  const match = /^#!\s*(\S+)/.exec(first);
  return match?.[1] && existsSync(match[1]) ? match[1] : undefined;
}

/**
 * The Python that has labgrid installed, in this order: HIL_LABGRID_PYTHON; the venv that
 * .ci/install-peers fills ($HIL_PEERS_DIR or .peers/); the interpreter of the labgrid-client on
 * PATH. The harness runs its own session script with it, so labgrid is used as installed.
 */
export function labgridPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HIL_LABGRID_PYTHON) {
    if (!existsSync(env.HIL_LABGRID_PYTHON)) throw new HilError(`HIL_LABGRID_PYTHON=${env.HIL_LABGRID_PYTHON} does not exist`, INSTALL, 2);
    return env.HIL_LABGRID_PYTHON;
  }
  const peers = env.HIL_PEERS_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), '.peers');
  if (existsSync(join(peers, 'venv', 'bin', 'labgrid-client'))) return join(peers, 'venv', 'bin', 'python');
  const client = onPath('labgrid-client');
  const python = client && shebangOf(client);
  if (python) return python;
  throw new HilError('labgrid is not installed here (no labgrid-client found)', INSTALL, 2);
}

/** The session script (ours) that labgrid's Python runs. */
export const SESSION_SCRIPT = fileURLToPath(new URL('./session.py', import.meta.url));
