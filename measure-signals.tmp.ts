import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchCheckout, freshRoot, marked, startHil, until } from './harness/testing/hilRun.ts';

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const) {
  const root = freshRoot('measure');
  const run = startHil(['test', '--boards', '2'], { config: benchCheckout(root, 'checkout'), lockDir: join(root, 'locks'), reportsDir: join(root, 'reports') });
  await until('two boards', 90_000, () => (marked(run.mark).filter((p) => p.cmd.includes('firmware/virtual/main.ts')).length >= 2 ? true : undefined));
  await new Promise((r) => setTimeout(r, 8000)); // mid-run: tests under way
  const before = marked(run.mark).length;
  const sent = Date.now();
  run.child.kill(signal);
  const code = await run.exited;
  const exitMs = Date.now() - sent;
  let goneMs = -1;
  while (Date.now() - sent < 5000) {
    if (marked(run.mark).length === 0) { goneMs = Date.now() - sent; break; }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - sent))));
  const left = marked(run.mark);
  console.log(JSON.stringify({ signal, code, exitMs, allGoneMs: goneMs, processesBefore: before, leftAfter5s: left.length, left: left.map((p) => p.cmd.slice(0, 80)) }));
  run.kill();
  rmSync(root, { recursive: true, force: true });
}
