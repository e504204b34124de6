import { writeFileSync } from 'node:fs';
import { chromium, expect, test } from '@playwright/test';
import { requirePeers } from '../../testing/peers.ts';
import { compareRuns } from './compare.ts';
import { toHtml } from './renderComparison.ts';
import { SUMMARY_SCHEMA, type Summary } from '../run/summary.ts';

const summary = (runId: string, version: string, roundTrip: number, verdict: 'passed' | 'failed'): Summary => ({
  schema: SUMMARY_SCHEMA,
  runId,
  project: 'virtual',
  startedAt: '2026-11-25T00:00:00Z',
  finishedAt: '2026-11-25T00:10:00Z',
  firmware: { name: 'proplet', version, sha256: '00' },
  boards: [],
  tests: [{ id: 'reconnection › broker restart', title: 'broker restart', file: 'r.spec.ts', verdict, tags: [], durationMs: 1 }],
  metrics: {
    'task.roundTrip.add': { unit: 'ms', better: 'lower', samples: [roundTrip] },
    'lwt.latency': { unit: 'ms', better: 'lower', samples: [4100] },
  },
  resetCauses: [],
  fatalErrors: [],
});

test('the comparison page renders its charts in headless Chromium', async ({}, testInfo) => {
  requirePeers('chromium');
  const c = compareRuns([summary('r1', '1.0.0', 3, 'passed'), summary('r2', '1.0.1', 4, 'passed')], summary('r3', '1.1.0', 90, 'failed'));
  const file = testInfo.outputPath('compare.html');
  writeFileSync(file, toHtml(c));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await expect(page.locator('h1')).toHaveText(/REGRESSION/);
    const charts = page.locator('svg.chart');
    await expect(charts).toHaveCount(2);
    for (const chart of await charts.all()) {
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(50);
    }
    // The regressed metric's candidate point is drawn red.
    await expect(page.locator('.card.regressed circle[fill="#d62728"]')).toHaveCount(1);
    await testInfo.attach('compare.png', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  } finally {
    await browser.close();
  }
});
