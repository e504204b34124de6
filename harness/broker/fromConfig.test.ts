import { expect, test } from '@playwright/test';
import { BrokerConfigSchema } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { brokerOptionsFromConfig } from './fromConfig.ts';

test('without basePort every broker gets a port the system allocates; with one, board i gets basePort + i', () => {
  const credentials = { 'proplet-1': 'key' };
  expect(brokerOptionsFromConfig(BrokerConfigSchema.parse({}), { workerIndex: 3, credentials }).port).toBe(0);
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
