import { expect, test } from '@playwright/test';
import { BrokerConfigSchema } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { brokerOptionsFromConfig } from './fromConfig.ts';

test('worker i gets basePort + i, and the credentials only when auth is on', () => {
  const credentials = { 'proplet-1': 'key' };
  const on = brokerOptionsFromConfig(BrokerConfigSchema.parse({ basePort: 18830 }), { workerIndex: 3, credentials });
  expect(on).toMatchObject({ bind: '127.0.0.1', port: 18833, auth: credentials });
  const off = brokerOptionsFromConfig(BrokerConfigSchema.parse({ auth: false }), { workerIndex: 0, credentials });
  expect(off.auth).toBeUndefined();
});

test('an unreadable TLS file is a configuration error naming the key', () => {
  const config = BrokerConfigSchema.parse({ tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } });
  const err = (() => {
    try {
      return brokerOptionsFromConfig(config, { workerIndex: 0, credentials: {} });
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe('broker.tls.cert: cannot read /nonexistent/cert.pem (ENOENT)');
  expect((err as HilError).exitCode).toBe(2);
});
