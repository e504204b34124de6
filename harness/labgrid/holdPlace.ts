/**
 * A run that holds a labgrid place, for tests of what other runs see: it leases the place as a
 * board lease does, prints one JSON line per progress line and one when it holds the place,
 * and releases when its stdin closes.
 *
 *   node --import tsx harness/labgrid/holdPlace.ts labgrid://127.0.0.1:PORT/v0 [WAIT_MS]
 */
import { pino } from 'pino';
import { HilError } from '../errors.ts';
import { leasePlace } from './placeLease.ts';
import { parseLabgridTarget } from './target.ts';

const [spec, waitMs = '60000'] = process.argv.slice(2);
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
try {
  const lease = await leasePlace(parseLabgridTarget(spec!), {
    log: pino({ level: 'silent' }),
    waitMs: Number(waitMs),
    progressMs: 1000,
    onProgress: (line) => say({ progress: line }),
  });
  say({ acquired: lease.place, url: lease.url, holder: lease.holder, sessionPid: lease.sessionPid });
  process.stdin.resume();
  process.stdin.once('end', () => {
    void lease.release().then(() => say({ released: lease.place }));
  });
} catch (err) {
  say({ error: err instanceof HilError ? err.line() : String(err) });
  process.exitCode = 1;
}
