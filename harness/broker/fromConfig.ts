import { readFileSync } from 'node:fs';
import type { BrokerConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { BrokerOptions, Credentials } from './broker.ts';

export interface WorkerBroker {
  /** The board's index: with a basePort, its broker listens on basePort + i (and on the TLS port + i). */
  workerIndex: number;
  /** The proplets' ids and API keys plus the manager's own, accepted when the config says auth: true. */
  credentials: Credentials;
  recordTo?: string;
  log?: Logger;
}

function pem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new HilError(`broker.tls.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'point it at a PEM file', 2);
  }
}

/** The embedded broker of one test worker, as lab.config.yaml's broker section describes it. */
export function brokerOptionsFromConfig(config: BrokerConfig, worker: WorkerBroker): BrokerOptions {
  const tls = config.tls && {
    cert: pem(config.tls.cert, 'cert'),
    key: pem(config.tls.key, 'key'),
    port: config.tls.port === undefined ? 0 : config.tls.port + worker.workerIndex,
  };
  return {
    bind: config.bind,
    // 0: a free port the system allocates and the listen checks; the broker keeps it across restarts.
    port: config.basePort === undefined ? 0 : config.basePort + worker.workerIndex,
    auth: config.auth ? worker.credentials : undefined,
    tls,
    recordTo: worker.recordTo,
    log: worker.log,
  };
}
