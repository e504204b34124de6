import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { benchCheckout, freshRoot, marked, startHil, until } from '../testing/hilRun.ts';

test('a board whose process dies mid-test is named in the failure, with the time and its last lines', async () => {
  test.setTimeout(240_000);
  const root = freshRoot('board-lost');
  const run = startHil(['test', '--boards', '1', '--', 'specs/tasks.spec.ts', '--max-failures', '1'], {
    config: benchCheckout(root, 'checkout'),
    lockDir: join(root, 'locks'),
    reportsDir: join(root, 'reports'),
  });
  try {
    // Killed between two tests or during one, the board is named by the test that meets it lost.
    // Once the board runs tests, its process goes, as a board losing power or its USB cable would.
    await until('a first passed test', 120_000, () => (/✓/.test(run.output()) ? true : undefined));
    const board = marked(run.mark).find((p) => p.cmd.includes('firmware/virtual/main.ts'))!;
    process.kill(board.pid, 'SIGKILL');
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(
      /v0: the board's connection rfc2217:\/\/127\.0\.0\.1:\d+ closed at \d{4}-\d\d-\d\dT[\d:.]+Z.* (during this test|before this test began) and stayed closed: the port was lost or the board process ended\s+last console lines:\s+\S/,
    );
  } finally {
    run.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
