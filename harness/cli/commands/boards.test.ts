import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { FakeSysfs } from '../../testing/fakeSysfs.ts';

const HIL = new URL('../hil.mjs', import.meta.url).pathname;
const run = promisify(execFile);

const CONFIG = `version: 1
boards:
  - { name: devkit-a, chip: esp32s3, port: "serial:0001A2B3" }
  - { name: devkit-b, chip: esp32s3, port: "usb:1-1.4", reset: usb-jtag }
  - { name: remote-c, chip: esp32s3, port: "rfc2217://bench2.lab:4000" }
  - { name: gone, chip: esp32s3, port: "serial:UNPLUGGED" }
broker: { advertisedHost: 192.168.10.2 }
firmware: { image: proplet.bin }
propeller: { tenant: t1, channel: c1 }
`;

let sysfs: FakeSysfs;
let config: string;

test.beforeEach(async () => {
  sysfs = await FakeSysfs.create();
  await sysfs.addUsb({ tty: 'ttyUSB0', location: '1-1.2', vendorId: '10c4', productId: 'ea60', serial: '0001A2B3', product: 'CP2102N USB to UART Bridge Controller' });
  await sysfs.addUsb({ tty: 'ttyACM0', location: '1-1.4', vendorId: '303a', productId: '1001', serial: '7C:DF:A1:E0:12:34', product: 'USB JTAG/serial debug unit' });
  await sysfs.addUart('ttyS0', '4');
  config = path.join(sysfs.root, 'lab.config.yaml');
  await writeFile(config, CONFIG);
});

test.afterEach(async () => {
  await sysfs.dispose();
});

test('hil boards --json resolves each board and tells which port is which board', async () => {
  const { stdout } = await run(process.execPath, [HIL, '--config', config, 'boards', '--json', '--sysfs', sysfs.root], { timeout: 30_000 });
  const out = JSON.parse(stdout) as { boards: unknown[]; ports: Array<Record<string, unknown>> };
  expect(out.boards).toEqual([
    { name: 'devkit-a', port: 'serial:0001A2B3', device: '/dev/ttyUSB0' },
    { name: 'devkit-b', port: 'usb:1-1.4', device: '/dev/ttyACM0' },
    { name: 'remote-c', port: 'rfc2217://bench2.lab:4000', device: 'remote' },
    { name: 'gone', port: 'serial:UNPLUGGED', device: 'not found' },
  ]);
  expect(out.ports.map((p) => [p.path, p.esp32s3, p.board])).toEqual([
    ['/dev/ttyACM0', 'likely', 'devkit-b'],
    ['/dev/ttyS0', 'unlikely', undefined],
    ['/dev/ttyUSB0', 'possible', 'devkit-a'],
  ]);
});

test('hil boards prints both tables for a person', async () => {
  const { stdout } = await run(process.execPath, [HIL, '--config', config, 'boards', '--sysfs', sysfs.root], { timeout: 30_000 });
  expect(stdout).toMatch(/^ {2}devkit-b +usb:1-1\.4 +\/dev\/ttyACM0$/m);
  expect(stdout).toMatch(/^ {2}\/dev\/ttyACM0 +303a:1001 +7C:DF:A1:E0:12:34 +1-1\.4:1\.0 +USB JTAG\/serial debug unit +likely ESP32-S3 +devkit-b$/m);
  expect(stdout).toMatch(/^ {2}\/dev\/ttyUSB0 +10c4:ea60 +0001A2B3 +1-1\.2:1\.0 +CP2102N USB to UART Bridge Controller +possible \(CP210x USB-UART bridge\) +devkit-a$/m);
});

test('hil boards with a stray argument is a usage error', async () => {
  const err = await run(process.execPath, [HIL, '--config', config, 'boards', 'extra'], { timeout: 30_000 }).catch((e: unknown) => e);
  expect((err as { code?: number }).code).toBe(2);
  expect((err as { stderr?: string }).stderr).toContain('hil: unexpected argument "extra"');
});
