import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HilError } from '../errors.ts';

const run = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 20_000;

/** A CA made for one run and a server certificate it signed, as PEM text. */
export interface RunCertificates {
  /** The CA certificate: what a board or client trusts. */
  ca: string;
  /** The broker's certificate and private key (TlsOptions of broker.ts). */
  cert: string;
  key: string;
  /** Where the certificates are (ca.pem, server.pem); no key is left on disk. */
  dir: string;
}

/**
 * Generates a fresh CA and a broker certificate for `hosts` (the addresses boards dial, put in
 * the subjectAltName) with the openssl command: Node has no API that creates X.509
 * certificates. Keys are P-256 (mbedTLS on the ESP32-S3 handles them); both expire in two days.
 */
export async function generateRunCertificates(dir: string, hosts: string[]): Promise<RunCertificates> {
  mkdirSync(dir, { recursive: true });
  const p = (name: string) => join(dir, name);
  const san = [...new Set(['localhost', '127.0.0.1', ...hosts])].map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(p('server.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const steps: string[][] = [
    ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=proplet-hil run CA', '-keyout', p('ca.key'), '-out', p('ca.pem')],
    ['req', ...ec, '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-keyout', p('server.key'), '-out', p('server.csr')],
    ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('server.ext'), '-out', p('server.pem')],
  ];
  for (const args of steps) {
    try {
      await run('openssl', args, { timeout: OPENSSL_TIMEOUT_MS });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new HilError('openssl is not installed: the broker cannot make its TLS certificates', 'install it (Debian: apt-get install openssl) or give broker.tls.cert and broker.tls.key', 2);
      throw new HilError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').at(-1)}`, `see the files in ${dir}`, 1);
    }
  }
  const certs = { ca: readFileSync(p('ca.pem'), 'utf8'), cert: readFileSync(p('server.pem'), 'utf8'), key: readFileSync(p('server.key'), 'utf8'), dir };
  // The keys live only in memory: nothing secret stays in the run directory.
  for (const name of ['ca.key', 'ca.srl', 'server.key', 'server.csr', 'server.ext']) rmSync(p(name), { force: true });
  return certs;
}
