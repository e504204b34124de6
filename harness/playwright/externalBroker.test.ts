import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, stringify } from 'yaml';
import { loadSummary } from '../report/run/loadSummary.ts';
import { requirePeers } from '../testing/peers.ts';

const REPO = resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = new Socket().once('connect', () => (s.destroy(), done(true))).once('error', () => done(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The bench can use an existing broker (Mosquitto here, EMQX or a Propeller deployment in a
// lab) instead of the embedded one: the suite's task and discovery specs must pass through
// it, and the fault-injection specs must skip, saying why.
test('the suite runs against an external Mosquitto broker', async () => {
  test.setTimeout(180_000);
  requirePeers('mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'hil-external-'));
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const mosquitto = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  try {
    await listening(port, 10_000);
    const config = parse(readFileSync(join(REPO, 'lab.config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    config.broker = { external: { url: `mqtt://127.0.0.1:${port}` } };
    config.firmware = { image: join(REPO, 'fixtures/build/proplet.bin') };
    const configPath = join(dir, 'lab.config.yaml');
    writeFileSync(configPath, stringify(config));
    const runId = 'external-broker';
    let output = '';
    const status = await new Promise<number | null>((done) => {
      const child = spawn(
        process.execPath,
        [join(REPO, 'harness/cli/hil.mjs'), '--config', configPath, 'test', '--virtual', '--boards', '1', '--', '--grep', 'workload (add|fib):|discovery message|reconnection'],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, HIL_LOCK_DIR: join(dir, 'locks'), HIL_REPORTS_DIR: join(dir, 'reports'), HIL_RUN_ID: runId },
        },
      );
      child.stdout!.on('data', (d: Buffer) => (output += d));
      child.stderr!.on('data', (d: Buffer) => (output += d));
      child.on('exit', done);
    });
    expect(output, 'the nested run printed its tests').toContain('specs/tasks.spec.ts');
    const summary = loadSummary(join(dir, 'reports', runId));
    const verdicts = Object.fromEntries(summary.tests.map((t) => [t.title, t.verdict]));
    expect(status, JSON.stringify(verdicts, null, 2)).toBe(0);
    expect(summary.tests.filter((t) => t.verdict === 'passed').map((t) => t.title)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^workload add:/), expect.stringMatching(/^workload fib:/), expect.stringMatching(/discovery message/)]),
    );
    const reconnection = summary.tests.filter((t) => t.id.includes('reconnection'));
    expect(reconnection.length).toBeGreaterThan(0);
    for (const t of reconnection) expect(t.verdict, t.id).toBe('skipped');
  } finally {
    mosquitto.kill('SIGTERM');
  }
});
