import { expect, test } from '@playwright/test';
import { listPorts, type PortInfo } from './discovery.ts';
import { FakeSysfs } from '../testing/fakeSysfs.ts';

let sysfs: FakeSysfs;

test.beforeEach(async () => {
  sysfs = await FakeSysfs.create();
});

test.afterEach(async () => {
  await sysfs.dispose();
});

test('lists USB serial ports with ids, serial number, location and product', async () => {
  await sysfs.addUsb({
    tty: 'ttyACM0',
    location: '1-1.4',
    vendorId: '303a',
    productId: '1001',
    serial: '7C:DF:A1:E0:12:34',
    product: 'USB JTAG/serial debug unit',
    manufacturer: 'Espressif',
  });
  await sysfs.addUsb({ tty: 'ttyUSB0', location: '1-1.2', vendorId: '10C4', productId: 'EA60', serial: '0001A2B3', product: 'CP2102N USB to UART Bridge Controller' });
  const expected: PortInfo[] = [
    {
      path: '/dev/ttyACM0',
      vendorId: '303a',
      productId: '1001',
      serialNumber: '7C:DF:A1:E0:12:34',
      location: '1-1.4',
      interface: '1.0',
      product: 'USB JTAG/serial debug unit',
      manufacturer: 'Espressif',
      adapter: 'Espressif USB-Serial/JTAG',
      esp32s3: 'likely',
    },
    {
      path: '/dev/ttyUSB0',
      vendorId: '10c4',
      productId: 'ea60',
      serialNumber: '0001A2B3',
      location: '1-1.2',
      interface: '1.0',
      product: 'CP2102N USB to UART Bridge Controller',
      manufacturer: undefined,
      adapter: 'CP210x USB-UART bridge',
      esp32s3: 'possible',
    },
  ];
  expect(await listPorts({ sysfsRoot: sysfs.root })).toEqual(expected);
});

test('marks ESP32-S3 boards from their ids and product names', async () => {
  await sysfs.addUsb({ tty: 'ttyACM0', location: '3-2', vendorId: '2341', productId: '0043', product: 'Arduino Uno' });
  await sysfs.addUsb({ tty: 'ttyACM1', location: '3-3', vendorId: '1a86', productId: '55d3', product: 'ESP32-S3-DevKitC-1' });
  await sysfs.addUsb({ tty: 'ttyUSB3', location: '3-4', vendorId: '1a86', productId: '7523' });
  const marks = Object.fromEntries((await listPorts({ sysfsRoot: sysfs.root })).map((p) => [p.path, [p.esp32s3, p.adapter]]));
  expect(marks).toEqual({
    '/dev/ttyACM0': ['unlikely', undefined],
    '/dev/ttyACM1': ['likely', 'CH343 USB-UART bridge'],
    '/dev/ttyUSB3': ['possible', 'CH340 USB-UART bridge'],
  });
});

test('tells apart the interfaces of a dual-port bridge', async () => {
  await sysfs.addUsb({ tty: 'ttyUSB0', location: '2-1', interface: '1.0', vendorId: '0403', productId: '6010', serial: 'FT2232A' });
  await sysfs.addUsb({ tty: 'ttyUSB1', location: '2-1', interface: '1.1', vendorId: '0403', productId: '6010', serial: 'FT2232A' });
  const ports = await listPorts({ sysfsRoot: sysfs.root });
  expect(ports.map((p) => [p.path, p.location, p.interface])).toEqual([
    ['/dev/ttyUSB0', '2-1', '1.0'],
    ['/dev/ttyUSB1', '2-1', '1.1'],
  ]);
});

test('keeps real UARTs, drops placeholder UARTs and virtual consoles, sorts naturally', async () => {
  await sysfs.addUart('ttyS0', '4');
  await sysfs.addUart('ttyS1', '0');
  await sysfs.addVirtualConsole('tty1');
  await sysfs.addUsb({ tty: 'ttyUSB10', location: '1-3', vendorId: '0403', productId: '6001' });
  await sysfs.addUsb({ tty: 'ttyUSB2', location: '1-2', vendorId: '0403', productId: '6001' });
  const ports = await listPorts({ sysfsRoot: sysfs.root, devRoot: '/devices' });
  expect(ports.map((p) => [p.path, p.esp32s3])).toEqual([
    ['/devices/ttyS0', 'unlikely'],
    ['/devices/ttyUSB2', 'possible'],
    ['/devices/ttyUSB10', 'possible'],
  ]);
  expect(ports[0]!.vendorId, 'a UART on the mainboard has no USB ids').toBeUndefined();
});

test('an empty or missing sysfs tree lists nothing', async () => {
  expect(await listPorts({ sysfsRoot: sysfs.root })).toEqual([]);
  expect(await listPorts({ sysfsRoot: `${sysfs.root}/absent` })).toEqual([]);
});
