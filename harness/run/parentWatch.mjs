// Loaded with `node --import` into the suite's runner by `hil test`, and inherited by every
// Playwright worker through execArgv. The runner is started in a process group of its own
// (so a signal to `hil` reaches it only through `hil`); the first process that loads this
// module is that group's leader and names the group for the rest. If the process that started
// this one dies — even by SIGKILL, which it cannot forward — the whole group goes at once:
// runner, workers, the virtual boards and brokers they started. Plain JavaScript: it runs
// before any TypeScript loader is registered.
const POLL_MS = 250;

process.env.HIL_RUN_GROUP ??= String(process.pid);
const group = Number(process.env.HIL_RUN_GROUP);
const parent = process.ppid;

setInterval(() => {
  if (process.ppid === parent) return;
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // The group is gone already, or this process was never in it: end at least this one.
  }
  process.exit(1);
}, POLL_MS).unref();
