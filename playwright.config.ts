import { defineConfig } from '@playwright/test';
import type { BoardOptions } from './harness/playwright/options.ts';
import { suiteProjects } from './harness/playwright/projects.ts';
import { runDir } from './harness/report/run/runDir.ts';

// Fixed once here in the runner process; workers inherit it, so every part of the run writes
// into the same reports/<run-id>/.
const root = process.env.HIL_REPORTS_DIR ?? 'reports';
const reports = runDir(root);
const suite = suiteProjects({ testDir: 'specs', testMatch: '**/*.spec.ts', timeout: 120_000 });

// One runner for everything: unit tests beside the code, the HIL suite on every board (one
// project per board, see suiteProjects), and benchmarks. No browser is driven by the suite.
export default defineConfig<object, BoardOptions>({
  outputDir: `${reports}/test-results`,
  forbidOnly: !!process.env.CI,
  workers: Math.max(2, suite.length),
  reporter: [
    ['list'],
    // Into the run's own folder; publishReporter makes a finished run the top-level one.
    ['html', { outputFolder: `${reports}/html`, open: 'never' }],
    ['junit', { outputFile: `${reports}/junit.xml` }],
    ['./harness/report/run/summaryReporter.ts'],
    ['./harness/report/run/publishReporter.ts', { root }],
  ],
  projects: [
    {
      name: 'unit',
      testDir: '.',
      testMatch: ['harness/**/*.test.ts', 'firmware/**/*.test.ts', 'fixtures/**/*.test.ts'],
      testIgnore: ['**/node_modules/**'],
      timeout: 60_000,
      workers: 2,
    },
    ...suite,
    {
      name: 'bench',
      testDir: 'specs/bench',
      testMatch: '**/*.bench.ts',
      timeout: 1_800_000,
      workers: 1,
    },
  ],
});
