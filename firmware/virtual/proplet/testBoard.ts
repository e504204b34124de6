/** An in-process proplet on a TestChip, provisioned straight into its flash, with a broker and a manager client. */
import { propletApp } from './index.ts';
import { SettingsStore } from './settingsStore.ts';
import { ManagerClient, TestBroker } from './testBroker.ts';
import { TestChip } from './testChip.ts';

export const TENANT = 't-1';
export const CHANNEL = 'c-1';
export const BASE = `m/${TENANT}/c/${CHANNEL}/`;

export interface Board {
  chip: TestChip;
  broker: TestBroker;
  manager: ManagerClient;
}

export function writeSettings(chip: TestChip, settings: Record<string, string>): void {
  new SettingsStore(chip).save(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`proplet/${k}`, v])));
}

export async function provisionedBoard(projectName = 'proplet', extra: Record<string, string> = {}): Promise<Board> {
  const broker = await TestBroker.start();
  const manager = await ManagerClient.connect(broker.port);
  const chip = new TestChip(propletApp, { projectName, version: '1.2.3' });
  writeSettings(chip, {
    proplet_id: 'prop-1',
    api_key: 'key-1',
    tenant_id: TENANT,
    channel_id: CHANNEL,
    mqtt_broker_host: '127.0.0.1',
    mqtt_broker_port: String(broker.port),
    ...extra,
  });
  chip.powerOn();
  await chip.expect(/<inf> mqtt: Subscribed topic=\S+registry\/server\r\n/);
  return { chip, broker, manager };
}

export async function closeBoard(board: Board): Promise<void> {
  board.chip.powerOff();
  await board.manager.close();
  await board.broker.close();
}

export function startTask(board: Board, id: string, wasm: Uint8Array, inputs: number[] = [], extra: object = {}): Promise<void> {
  const payload = { id, name: `task-${id}`, file: Buffer.from(wasm).toString('base64'), inputs, ...extra };
  return board.manager.publish(`${BASE}control/manager/start`, JSON.stringify(payload));
}

export async function taskResult(board: Board, id: string, { timeout = 10_000, from = 0 } = {}): Promise<{ results: string; error?: string }> {
  const r = await board.manager.next('control/proplet/results', { match: (p) => p.task_id === id, timeout, from });
  return r.error === undefined ? { results: r.results } : { results: r.results, error: r.error };
}

/** `used` of the first and of the last `heap` line. */
export function heapUsed(chip: TestChip): { baseline: number; last: number } {
  const all = [...chip.transcript.matchAll(/Heap pool used=(\d+)/g)].map((m) => Number(m[1]));
  return { baseline: all[0]!, last: all.at(-1)! };
}
