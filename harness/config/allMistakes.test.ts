import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO } from '../testing/hilRun.ts';

test('a bench file with four mistakes: hil prints all four, one line each, and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-mistakes-'));
  try {
    const file = join(dir, 'lab.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'boards:',
        '  - { name: a, chip: esp32s3, port: virtual, baud: fast }',
        '  - { name: b, chip: esp32s3, port: virtual, colour: red }',
        'broker: { basePort: 70000 }',
        'firmware: { image: x.bin }',
        'propeller: { tenant: t0, channel: c0 }',
        'timeouts: { boot: -1 }',
      ].join('\n'),
    );
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ['harness/cli/hil.mjs', '--config', file, 'test'], { cwd: REPO, timeout: 60_000 }, (err, _out, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
      ),
    );
    expect(run.code, run.stderr).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(4);
    for (const line of lines) expect(line.startsWith(`hil: ${file}: `), line).toBe(true);
    expect(run.stderr).toContain('boards[1]: unknown key "colour"');
    expect(run.stderr).toContain('boards[0].baud: expected a number; got "fast"');
    expect(run.stderr).toContain('broker.basePort: expected a number at most 65535; got 70000');
    expect(run.stderr).toMatch(/timeouts\.boot: expected a number at least \d+; got -1/);
    expect(run.stderr).not.toMatch(/and \d+ more/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
