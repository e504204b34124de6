/**
 * The board as a bench sees it: a board process flashed with fixtures/build/proplet.bin, its
 * console over RFC 2217, a real broker and a plain MQTT client. Nothing from harness/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startBoard, type BoardProcess } from '../testing/boardProcess.ts';
import { Rfc2217Client } from '../testing/rfc2217Client.ts';
import { ManagerClient, TestBroker } from './testBroker.ts';
import { wat } from './wat.ts';

const IMAGE = fileURLToPath(new URL('../../../fixtures/build/proplet.bin', import.meta.url));
const BASE = 'm/t-e2e/c/c-e2e/';

/** Sends one shell line and waits for the prompt that ends its output. */
async function shell(console: Rfc2217Client, line: string): Promise<string> {
  const mark = console.mark();
  console.write(`${line}\r\n`);
  // A stray prompt (the boot's, or the answer to an earlier empty line) may still come before
  // the echo: the answer is what follows the echo, up to the next prompt.
  const echo = `${line}\r\n`;
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const out = await console.waitFor(new RegExp(`${escaped}(\\r\\n[\\s\\S]*)?\\r\\nuart:~\\$ $`), mark, 5000);
  return out.slice(out.indexOf(echo) + echo.length, -'uart:~$ '.length);
}

test('a board flashed with proplet.bin, provisioned over its console, runs a task; SIGKILL brings the LWT', async () => {
  const state = mkdtempSync(join(tmpdir(), 'proplet-e2e-'));
  const broker = await TestBroker.start();
  const manager = await ManagerClient.connect(broker.port);
  let board: BoardProcess | undefined;
  let console: Rfc2217Client | undefined;
  try {
    board = await startBoard(['--state', state, '--firmware', IMAGE]);
    console = await Rfc2217Client.connect(board.url);
    await console.waitFor(/Settings missing keys=[^\r]+\r\nuart:~\$ $/, 0, 15_000);
    const settings = {
      proplet_id: 'e2e-prop',
      api_key: 'e2e-key',
      tenant_id: 't-e2e',
      channel_id: 'c-e2e',
      mqtt_broker_host: '127.0.0.1',
      mqtt_broker_port: String(broker.port),
      keepalive_s: '5',
    };
    for (const [key, value] of Object.entries(settings)) {
      expect(await shell(console, `settings write string proplet/${key} ${value}`), `writing ${key}`).toBe('');
    }
    expect(await shell(console, 'settings read string proplet/mqtt_broker_port')).toBe(`${broker.port}\r\n`);
    const mark = console.mark();
    console.write('kernel reboot cold\r\n');
    await console.waitFor('rst:0x3 (RTC_SW_SYS_RST)', mark, 10_000);
    await console.waitFor(/<inf> mqtt: Subscribed topic=\S+registry\/server/, mark, 15_000);
    expect(console.text(mark)).toContain('<inf> mqtt: Connecting broker=127.0.0.1:' + broker.port + ' client_id=e2e-prop keepalive=5');

    const add = wat(`(module (func (export "main") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`);
    await manager.publish(`${BASE}control/manager/start`, JSON.stringify({ id: 'e2e-1', name: 'add', file: Buffer.from(add).toString('base64'), inputs: [2, 3] }));
    expect(await manager.next('control/proplet/results', { match: (p) => p.task_id === 'e2e-1' })).toEqual({ task_id: 'e2e-1', results: '5' });

    const from = manager.messages.length;
    board.child.kill('SIGKILL');
    await board.exited;
    expect(await manager.next('control/proplet/alive', { from, match: (p) => p.status === 'offline', timeout: 15_000 })).toEqual({
      status: 'offline',
      proplet_id: 'e2e-prop',
      namespace: 'embedded',
    });
  } finally {
    console?.close();
    board?.child.kill('SIGKILL');
    await manager.close();
    await broker.close();
    rmSync(state, { recursive: true, force: true });
  }
});
