import { defineConfig } from '@playwright/test';

// One runner for everything: unit tests beside the code, the HIL suite on virtual boards or
// on the lab's boards, and benchmarks. No browser is used.
export default defineConfig({
  outputDir: 'reports/test-results',
  forbidOnly: !!process.env.CI,
  reporter: [
    ['list'],
    ['html', { outputFolder: 'reports/html', open: 'never' }],
    ['junit', { outputFile: 'reports/junit.xml' }],
  ],
  projects: [
    {
      name: 'unit',
      testDir: '.',
      testMatch: ['harness/**/*.test.ts', 'firmware/**/*.test.ts', 'fixtures/**/*.test.ts'],
      testIgnore: ['**/node_modules/**'],
      timeout: 60_000,
    },
    {
      name: 'virtual',
      testDir: 'specs',
      testMatch: '**/*.spec.ts',
      timeout: 120_000,
    },
    {
      name: 'lab',
      testDir: 'specs',
      testMatch: '**/*.spec.ts',
      timeout: 300_000,
    },
    {
      name: 'bench',
      testDir: 'specs/bench',
      testMatch: '**/*.bench.ts',
      timeout: 900_000,
    },
  ],
});
