import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { imageSet } from '../../../fixtures/images.ts';
import { freshRoot, marked, REPO as REPO_ROOT, startHil, until } from '../../testing/hilRun.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test('hil virtual start prints one URL per board, serves them, and stops them on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-virtual-'));
  writeFileSync(join(dir, 'proplet.bin'), imageSet()['proplet.bin']);
  const hil = spawn(process.execPath, ['harness/cli/hil.mjs', 'virtual', 'start', '--boards', '2', '--state', join(dir, 'state'), '--firmware', join(dir, 'proplet.bin')], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => hil.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  try {
    let stdout = '';
    let stderr = '';
    hil.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const urls = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`two URLs within 30 s; stdout:\n${stdout}\nstderr:\n${stderr}`)), 30_000);
      hil.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const lines = stdout.split('\n').filter(Boolean);
        if (lines.length >= 2) {
          clearTimeout(timer);
          resolve(lines);
        }
      });
    });
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(url).toMatch(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
    const ports = urls.map((u) => Number(u.split(':').at(-1)));
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) expect(await accepts(port), `board on port ${port} accepts`).toBe(true);
    expect(stderr, 'boards started with --firmware are not called blank').not.toContain('is blank');
    hil.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const port of ports) expect(await accepts(port), `board on port ${port} after stop`).toBe(false);
  } finally {
    hil.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hil virtual start says which board is blank and how to flash it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-virtual-blank-'));
  const hil = spawn(process.execPath, ['harness/cli/hil.mjs', 'virtual', 'start', '--boards', '1', '--state', join(dir, 'state')], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => hil.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  try {
    let stdout = '';
    let stderr = '';
    hil.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a blank-board line within 30 s; stdout:\n${stdout}\nstderr:\n${stderr}`)), 30_000);
      hil.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const blank = stderr.split('\n').find((l) => l.includes('is blank'));
        if (blank) {
          clearTimeout(timer);
          resolve(blank);
        }
      });
    });
    const url = stdout.trim();
    expect(url).toMatch(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
    expect(line).toBe(`hil: virtual board v0 (${url}) is blank: no image at 0x0 of its flash; flash one with hil flash --port ${url} IMAGE, or start with --firmware IMAGE`);
    hil.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    hil.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hil virtual without "start" is a usage error', async () => {
  const hil = spawn(process.execPath, ['harness/cli/hil.mjs', 'virtual', 'stop'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  hil.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => hil.on('exit', resolve));
  expect(code, stderr).toBe(2);
  expect(stderr).toContain('hil virtual expects "start"');
});

test('hil virtual start reports a board that dies, stops the others and exits 1', async () => {
  const root = freshRoot('virtual-dies');
  const run = startHil(['virtual', 'start', '--boards', '2', '--state', join(root, 'state')], {
    config: join(REPO_ROOT, 'lab.config.yaml'),
    lockDir: join(root, 'locks'),
    reportsDir: join(root, 'reports'),
  });
  try {
    await until('two board URLs', 60_000, () => ((run.output().match(/^rfc2217:\/\/127\.0\.0\.1:\d+$/gm) ?? []).length >= 2 ? true : undefined));
    const boards = marked(run.mark).filter((p) => p.cmd.includes('firmware/virtual/main.ts') && p.cmd.includes(join(root, 'state', 'v1')));
    expect(boards).toHaveLength(1);
    process.kill(boards[0]!.pid, 'SIGKILL');
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(/hil: virtual board v1 \(rfc2217:\/\/127\.0\.0\.1:\d+, state .*\/v1\) exited \(SIGKILL\); last output: .* \(the other boards were stopped/);
    await until('no board process left', 10_000, () => (marked(run.mark).some((p) => p.cmd.includes('firmware/virtual/main.ts')) ? undefined : true));
  } finally {
    run.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
