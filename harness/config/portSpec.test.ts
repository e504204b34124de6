import { expect, test } from '@playwright/test';
import { HilError } from '../errors.ts';
import { parsePortSpec } from './portSpec.ts';

test('parses every port form lab.config.yaml allows', () => {
  expect(parsePortSpec('/dev/ttyUSB0')).toEqual({ kind: 'path', path: '/dev/ttyUSB0' });
  expect(parsePortSpec('serial:7C:DF:A1:E0:12:34')).toEqual({ kind: 'serial', serialNumber: '7C:DF:A1:E0:12:34' });
  expect(parsePortSpec('usb:1-1.4')).toEqual({ kind: 'usb', location: '1-1.4' });
  expect(parsePortSpec('usb:1-1.4:1.0')).toEqual({ kind: 'usb', location: '1-1.4:1.0' });
  expect(parsePortSpec('rfc2217://bench2.lab:4000')).toEqual({ kind: 'rfc2217', host: 'bench2.lab', port: 4000 });
  expect(parsePortSpec('rfc2217://[::1]:4000')).toEqual({ kind: 'rfc2217', host: '::1', port: 4000 });
  expect(parsePortSpec('virtual')).toEqual({ kind: 'virtual' });
});

test('anything else is a usage error that shows the forms', () => {
  for (const bad of ['ttyUSB0', 'serial:', 'usb:front-left', 'rfc2217://host', 'rfc2217://host:99999', 'tcp://host:4000', 'COM3']) {
    const err = (() => {
      try {
        parsePortSpec(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(err, `spec ${bad}`).toBeInstanceOf(HilError);
    expect((err as HilError).exitCode).toBe(2);
    expect((err as HilError).message).toBe(`port "${bad}" is not a device path, serial:<usb serial>, usb:<bus-port>, rfc2217://host:port, or virtual`);
  }
});
