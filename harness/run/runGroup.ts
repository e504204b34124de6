import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const PARENT_WATCH = fileURLToPath(new URL('./parentWatch.mjs', import.meta.url));
/** How long the run may stop in order after a signal before it is killed outright. */
const GRACE_MS = 3_000;
/** How long to wait, after the kill, for the last member of the group to be gone. */
const REAP_MS = 1_500;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface GroupOutcome {
  /** The runner's own exit code, or 128 + signal number when the run was stopped by a signal. */
  code: number;
  /** The signal that stopped the run, if one did. */
  stoppedBy?: StopSignal;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nobody left in the group.
  }
}

async function reap(pgid: number, withinMs: number): Promise<void> {
  const end = Date.now() + withinMs;
  while (groupAlive(pgid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Runs a Node script (the Playwright runner) as the leader of a process group of its own,
 * with the parent-death watch loaded, and owns that group: SIGINT, SIGTERM or SIGHUP of this
 * process is passed to the whole group, escalated to SIGKILL after GRACE_MS, and answered with
 * one line on stderr and the shell's exit code for that signal (130, 143, 129). Should this
 * process die without the chance (SIGKILL), the watch in the group ends it.
 */
export async function runInOwnGroup(script: string, args: string[], opts: Pick<SpawnOptions, 'env' | 'cwd'>): Promise<GroupOutcome> {
  const child: ChildProcess = spawn(process.execPath, ['--import', PARENT_WATCH, script, ...args], {
    ...opts,
    stdio: 'inherit',
    detached: true,
  });
  const pgid = child.pid!;
  let stoppedBy: StopSignal | undefined;
  let stoppedAt = 0;
  let escalation: NodeJS.Timeout | undefined;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    stoppedAt = Date.now();
    process.stderr.write(`hil: ${signal}: stopping the run (Playwright, its workers, boards and brokers; killed after ${GRACE_MS / 1000} s)\n`);
    signalGroup(pgid, signal);
    escalation = setTimeout(() => signalGroup(pgid, 'SIGKILL'), GRACE_MS);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const status = await new Promise<number>((done) => {
    child.on('error', () => done(1));
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
  for (const s of STOP_SIGNALS) process.off(s, onSignal);
  clearTimeout(escalation);
  if (!stoppedBy) return { code: status };
  // The leader is gone; workers finishing their teardown get the rest of the grace, then go
  // with the group.
  await reap(pgid, GRACE_MS - (Date.now() - stoppedAt));
  signalGroup(pgid, 'SIGKILL');
  await reap(pgid, REAP_MS);
  return { code: 128 + constants.signals[stoppedBy], stoppedBy };
}
