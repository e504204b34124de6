import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from '../console/console.ts';
import { openTransport } from '../transport/open.ts';
import { provision } from './provision.ts';
import { VirtualBoard } from './virtualBoards.ts';
const dir = mkdtempSync(join(tmpdir(), 'zz-'));
const board = await VirtualBoard.start({ stateDir: join(dir, 'b'), firmware: 'fixtures/build/proplet.bin' });
const transport = await openTransport(board.url, { baud: 115200 });
const console_ = new Console(transport, { name: 'zz', transcriptPath: join(dir, 'c.log') });
console_.start();
const s = { brokerHost: '127.0.0.1', brokerPort: 1, propletId: 'p-1', apiKey: 'k', tenant: 't', channel: 'c', keepaliveS: 3, aliveS: 1, taskTimeoutMs: 5000 };
try {
  await provision(console_, s, { timeout: 5000 });
  console.log('first ok');
  await provision(console_, s, { timeout: 5000 });
  console.log('second ok');
} catch (e) { console.log('ERR', (e as Error).message); }
for (const e of console_.events.slice(-60)) if (e.kind === 'line' || e.kind === 'shell.prompt') console.log(e.seq, e.kind, JSON.stringify((e as any).text ?? ''));
console_.stop(); await transport.close(); await board.stop();
