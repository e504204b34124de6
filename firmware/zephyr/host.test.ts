import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { requirePeers } from '../../harness/testing/peers.ts';

// Builds the firmware's portable core and its C tests with the host compiler and runs them
// with ctest, so `npm test` covers the C code that CI cannot build for the board.
const run = promisify(execFile);
const testsDir = join(dirname(fileURLToPath(import.meta.url)), 'tests');

test('the portable core passes its C host tests (cmake + ctest)', async () => {
  requirePeers('cmake', 'ctest', 'gcc');
  test.setTimeout(120_000);
  const build = await mkdtemp(join(tmpdir(), 'proplet-core-'));
  try {
    await run('cmake', ['-S', testsDir, '-B', build], { timeout: 60_000 });
    await run('cmake', ['--build', build, '--parallel', '2'], { timeout: 90_000 });
    const ctest = await run('ctest', ['--test-dir', build, '--output-on-failure'], { timeout: 60_000 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => ({
        stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`,
        failed: err.message,
      }),
    );
    expect('failed' in ctest ? ctest.stdout : '', 'ctest reported failures').toBe('');

    const sources = (await readdir(testsDir)).filter((f) => /^test_.*\.c$/.test(f));
    expect(ctest.stdout).toContain(`100% tests passed, 0 tests failed out of ${sources.length}`);
  } finally {
    await rm(build, { recursive: true, force: true });
  }
});
