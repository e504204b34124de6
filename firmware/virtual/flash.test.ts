import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { FLASH_BYTES, FlashStore } from './flash.ts';

const FLASH_TS = fileURLToPath(new URL('./flash.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BLOCK = 16 * 1024;

/** Block i's content: its own number everywhere, so a torn or misplaced block shows. */
function block(i: number): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let j = 0; j < BLOCK; j += 4) out.writeUInt32LE(((i + 1) * 0x01010101) ^ j, j);
  return out;
}

let dir: string;
test.beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'flash-'))));
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a new flash is 8 MiB of 0xFF; writes and erases land where asked', () => {
  const flash = new FlashStore(join(dir, 'flash.bin'));
  expect(statSync(join(dir, 'flash.bin')).size).toBe(FLASH_BYTES);
  expect(flash.read(FLASH_BYTES - 4, 4)).toEqual(Buffer.alloc(4, 0xff));
  flash.write(0x1000, Buffer.from('proplet'));
  flash.erase(0x1002, 2);
  expect(flash.read(0x1000, 7).toString('latin1')).toBe('pr\xff\xfflet');
  expect(() => flash.write(FLASH_BYTES - 2, Buffer.alloc(4))).toThrow(RangeError);
  flash.close();
  const again = new FlashStore(join(dir, 'flash.bin'));
  expect(again.read(0x1000, 2).toString()).toBe('pr');
  again.close();
});

test('SIGKILL in the middle of writes: every acknowledged block is whole after restart', async () => {
  const path = join(dir, 'flash.bin');
  // The writer acknowledges each block on stdout only once write() has returned.
  const script = `
    import { FlashStore } from ${JSON.stringify(FLASH_TS)};
    const flash = new FlashStore(${JSON.stringify(path)});
    for (let i = 0; ; i++) {
      const b = Buffer.alloc(${BLOCK});
      for (let j = 0; j < ${BLOCK}; j += 4) b.writeUInt32LE(((i % 256 + 1) * 0x01010101) ^ j, j);
      flash.write((i % 256) * ${BLOCK}, b);
      process.stdout.write(i + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer acknowledged ${out.split('\n').length - 1} blocks in 20 s; stderr: ${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > 40) {
        clearTimeout(timer);
        child.kill('SIGKILL'); // the power cut, while the writer keeps writing
        resolve();
      }
    });
  });
  expect(await exited).toBe('SIGKILL');
  const acked = out.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  const flash = new FlashStore(path);
  expect(statSync(path).size).toBe(FLASH_BYTES);
  for (const i of acked.filter((n) => n < 256)) {
    expect(flash.read(i * BLOCK, BLOCK).equals(block(i)), `acknowledged block ${i} after the power cut`).toBe(true);
  }
  flash.close();
});
