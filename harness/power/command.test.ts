import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { CommandPower } from './command.ts';
import { UhubctlPower } from './uhubctl.ts';

test('command power runs the user commands in order for a cycle', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hil-power-')), 'relay.log');
  const power = new CommandPower({ on: `echo on >> ${file}`, off: `echo off >> ${file}` });
  await power.cycle(10);
  expect(readFileSync(file, 'utf8')).toBe('off\non\n');
});

test('a failing power command becomes one readable line with the command and its error', async () => {
  const power = new CommandPower({ on: 'true', off: 'echo "relay 3: no such channel" >&2; exit 4' });
  const err = await power.off().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('power off');
  expect((err as HilError).message).toContain('relay 3: no such channel');
  expect((err as HilError).message).not.toContain('\n');
});

test('uhubctl power names the hub and port it drives', async () => {
  // Runs the real command line; where uhubctl is absent (or no such hub exists) the error
  // must still say what was attempted.
  const err = await new UhubctlPower({ hub: '9-9', port: 7 }).on().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toContain('uhubctl -l 9-9 -p 7 -a on');
});
