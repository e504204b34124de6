import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FakeSysfs } from '../testing/fakeSysfs.ts';
import { boardLockName } from './boardLock.ts';
import { acquireLease } from './lease.ts';

test('a board is locked by what it is: its device through symlinks, serial number, URL, or state folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lockname-'));
  writeFileSync(join(dir, 'ttyUSB0'), '');
  symlinkSync(join(dir, 'ttyUSB0'), join(dir, 'by-id-esp32'));
  const cfg = join(dir, 'lab.config.yaml');
  expect(await boardLockName({ name: 'a', port: join(dir, 'by-id-esp32') }, cfg), 'one device under two names is one lock').toBe(
    await boardLockName({ name: 'b', port: join(dir, 'ttyUSB0') }, cfg),
  );
  const nothingPlugged = { sysfsRoot: join(dir, 'no-sysfs') };
  expect(await boardLockName({ name: 'a', port: 'serial:0001A2B3' }, cfg, nothingPlugged), 'unplugged: its serial number').toBe('board usb-serial 0001A2B3');
  expect(await boardLockName({ name: 'a', port: 'rfc2217://Bench2.lab:4000' }, cfg)).toBe('board rfc2217://bench2.lab:4000');
  const otherCheckout = join(dir, 'other', 'lab.config.yaml');
  expect(await boardLockName({ name: 'v0', port: 'virtual' }, cfg), 'two checkouts\u2019 v0 are two boards').not.toBe(await boardLockName({ name: 'v0', port: 'virtual' }, otherCheckout));
  expect(await boardLockName({ name: 'v0', port: 'virtual' }, cfg)).toBe(`board virtual ${join(dir, '.hil', 'virtual', 'v0')}`);
});

test('serial:<number> and usb:<bus-port> lock the device they name now: the same lock as its device path, so two runs naming it differently take turns', async () => {
  const sysfs = await FakeSysfs.create();
  const dev = mkdtempSync(join(tmpdir(), 'hil-lockdev-'));
  try {
    await sysfs.addUsb({ tty: 'ttyACM0', location: '1-1.4', vendorId: '303a', productId: '1001', serial: '7C:DF:A1:E0:12:34' });
    // A dual bridge: one USB device, two ports.
    await sysfs.addUsb({ tty: 'ttyUSB0', location: '1-2', interface: '1.0', vendorId: '0403', productId: '6010', serial: 'FT2232' });
    await sysfs.addUsb({ tty: 'ttyUSB1', location: '1-2', interface: '1.1', vendorId: '0403', productId: '6010', serial: 'FT2232' });
    for (const tty of ['ttyACM0', 'ttyUSB0', 'ttyUSB1']) writeFileSync(join(dev, tty), '');
    symlinkSync(join(dev, 'ttyACM0'), join(dev, 'usb-Espressif_USB_JTAG_serial_debug_unit-if00'));
    const discovery = { sysfsRoot: sysfs.root, devRoot: dev };
    const cfg = join(dev, 'lab.config.yaml');
    const name = (port: string) => boardLockName({ name: 'b', port }, cfg, discovery);

    const device = `board ${join(dev, 'ttyACM0')}`;
    expect(await name(join(dev, 'ttyACM0'))).toBe(device);
    expect(await name('serial:7C:DF:A1:E0:12:34'), 'by serial number: the device').toBe(device);
    expect(await name('usb:1-1.4'), 'by USB location: the device').toBe(device);
    expect(await name(join(dev, 'usb-Espressif_USB_JTAG_serial_debug_unit-if00')), 'a by-id link: the device').toBe(device);
    expect(await name('usb:1-2:1.1'), 'one port of a dual bridge: its device').toBe(`board ${join(dev, 'ttyUSB1')}`);
    expect(await name('usb:1-2'), 'a dual bridge named whole stands for both ports').toBe('board usb 1-2');
    expect(await name('serial:ABSENT'), 'a board not plugged in keeps its own name').toBe('board usb-serial ABSENT');

    const dir = join(dev, 'locks');
    const first = acquireLease(await name('serial:7C:DF:A1:E0:12:34'), { purpose: 'hil test run, pid 1', dir });
    try {
      const second = await name(join(dev, 'ttyACM0'));
      expect(() => acquireLease(second, { purpose: 'hil flash', dir })).toThrow(/is in use by pid \d+ .*hil test run, pid 1/);
    } finally {
      first.release();
    }
  } finally {
    await sysfs.dispose();
  }
});
