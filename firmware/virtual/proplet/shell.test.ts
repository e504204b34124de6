import { expect, test } from '@playwright/test';
import { propletApp } from './index.ts';
import { splitArgs } from './shell.ts';
import { TestChip } from './testChip.ts';

const PROMPT = 'uart:~$ ';

/** Types a command and returns what the shell printed for it, up to the next prompt. */
async function run(chip: TestChip, line: string): Promise<string> {
  const from = chip.transcript.length;
  chip.type(`${line}\r\n`);
  await chip.expect(/uart:~\$ $/, { from });
  const out = chip.transcript.slice(from);
  expect(out.startsWith(`${line}\r\n`), `the command is echoed, got ${JSON.stringify(out)}`).toBe(true);
  return out.slice(line.length + 2, -PROMPT.length);
}

test('an unprovisioned board says which settings are missing and offers the shell', async () => {
  const chip = new TestChip(propletApp).powerOn();
  try {
    await chip.expect(/<err> main: Settings missing keys=proplet_id,api_key,tenant_id,channel_id,mqtt_broker_host,mqtt_broker_port \(provision with the shell\)\r\nuart:~\$ $/);
    expect(chip.transcript).toContain('*** Booting Zephyr OS build v4.0.0 ***\r\n');
    expect(chip.transcript).toMatch(/^\*\*\* Booting.*\r\n\[\d\d:\d\d:\d\d\.\d{3},\d{3}\] <inf> main: Starting Proplet version=1\.0\.0\r\n/);
    expect(chip.transcript).toMatch(/<inf> wasm: WAMR runtime ready pool=40960 slots=4\r\n\[[^\]]+\] <inf> wasm: Heap pool used=\d+ free=\d+ high=\d+\r\n/);
  } finally {
    chip.powerOff();
  }
});

test('settings write, read, list and delete, and the values outlive a power cut', async () => {
  const chip = new TestChip(propletApp).powerOn();
  try {
    await chip.expect(/uart:~\$ $/);
    expect(await run(chip, 'settings write string proplet/proplet_id p-1')).toBe('');
    expect(await run(chip, 'settings write string proplet/wifi_ssid "lab net"')).toBe('');
    expect(await run(chip, 'settings write string proplet/wifi_psk pässwörd')).toBe('');
    expect(await run(chip, 'settings read string proplet/wifi_psk')).toBe('pässwörd\r\n');
    expect(await run(chip, 'settings read string proplet/proplet_id')).toBe('p-1\r\n');
    expect(await run(chip, 'settings read string proplet/wifi_ssid')).toBe('lab net\r\n');
    expect(await run(chip, 'settings read string proplet/api_key')).toBe('Failed to read setting: -2\r\n');
    expect(await run(chip, 'settings list proplet')).toBe('proplet/proplet_id\r\nproplet/wifi_psk\r\nproplet/wifi_ssid\r\n');
    chip.powerOff();
    chip.transcript = '';
    chip.powerOn();
    await chip.expect(/Settings missing keys=api_key,/);
    await chip.expect(/uart:~\$ $/);
    expect(await run(chip, 'settings read string proplet/proplet_id')).toBe('p-1\r\n');
    expect(await run(chip, 'settings delete proplet/proplet_id')).toBe('');
    expect(await run(chip, 'settings list proplet')).toBe('proplet/wifi_psk\r\nproplet/wifi_ssid\r\n');
    expect(await run(chip, 'settings write string proplet/only_key')).toBe('Failed to write setting: -22\r\n');
    expect(await run(chip, 'frobnicate now')).toBe('frobnicate: command not found\r\n');
    expect(await run(chip, '')).toBe('');
  } finally {
    chip.powerOff();
  }
});

test('kernel reboot cold resets the chip without a prompt', async () => {
  const chip = new TestChip(propletApp).powerOn();
  try {
    await chip.expect(/uart:~\$ $/);
    const from = chip.transcript.length;
    chip.type('kernel reboot cold\r\n');
    expect(chip.resets).toBe(1);
    expect(chip.transcript.slice(from)).toMatch(/^kernel reboot cold\r\n\*\*\* Booting Zephyr/);
  } finally {
    chip.powerOff();
  }
});

test('arguments split like Zephyr: quotes group, backslash escapes', () => {
  expect(splitArgs('settings  write string k "a b" c\\ d ""')).toEqual(['settings', 'write', 'string', 'k', 'a b', 'c d', '']);
});
