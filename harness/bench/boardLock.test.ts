import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { boardLockName } from './boardLock.ts';

test('a board is locked by what it is: its device through symlinks, serial number, URL, or state folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lockname-'));
  writeFileSync(join(dir, 'ttyUSB0'), '');
  symlinkSync(join(dir, 'ttyUSB0'), join(dir, 'by-id-esp32'));
  const cfg = join(dir, 'lab.config.yaml');
  expect(boardLockName({ name: 'a', port: join(dir, 'by-id-esp32') }, cfg), 'one device under two names is one lock').toBe(
    boardLockName({ name: 'b', port: join(dir, 'ttyUSB0') }, cfg),
  );
  expect(boardLockName({ name: 'a', port: 'serial:0001A2B3' }, cfg)).toBe('board usb-serial 0001A2B3');
  expect(boardLockName({ name: 'a', port: 'rfc2217://Bench2.lab:4000' }, cfg)).toBe('board rfc2217://bench2.lab:4000');
  const otherCheckout = join(dir, 'other', 'lab.config.yaml');
  expect(boardLockName({ name: 'v0', port: 'virtual' }, cfg), 'two checkouts\u2019 v0 are two boards').not.toBe(boardLockName({ name: 'v0', port: 'virtual' }, otherCheckout));
  expect(boardLockName({ name: 'v0', port: 'virtual' }, cfg)).toBe(`board virtual ${join(dir, '.hil', 'virtual', 'v0')}`);
});
