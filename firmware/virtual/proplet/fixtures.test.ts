/**
 * The model against the project's own expectation tables (fixtures/build/workloads.json and
 * payloads.json, written from CONTRACT.md by the workloads' author, built by `npm run fixtures`):
 * every workload and every bad payload, on one board, one after the other.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { z } from 'zod';
import { BASE, closeBoard, heapUsed, provisionedBoard, startTask, taskResult } from './testBoard.ts';

const BUILD = new URL('../../../fixtures/build/', import.meta.url);

const Workload = z.object({
  name: z.string(),
  wasm: z.string(),
  inputs: z.array(z.number()),
  env: z.record(z.string(), z.string()).optional(),
  expect: z.union([z.object({ results: z.string() }), z.object({ error: z.string() })]),
  logs: z.array(z.string()).optional(),
});
const Payload = z.object({ name: z.string(), file: z.string(), id: z.string().nullable(), rejected: z.string().nullable(), error: z.string().nullable() });

function table<T>(file: string, schema: z.ZodType<T>): T[] {
  let text: string;
  try {
    text = readFileSync(new URL(file, BUILD), 'utf8');
  } catch {
    throw new Error(`fixtures/build/${file} is missing: run npm run fixtures`);
  }
  return z.array(schema).parse(JSON.parse(text));
}

test('every workload of fixtures/build/workloads.json gives the expected result', async () => {
  // A short watchdog for the runaway workload; every other one ends well within it.
  const board = await provisionedBoard('proplet', { task_timeout_ms: '2000' });
  try {
    for (const w of table('workloads.json', Workload)) {
      await startTask(board, w.name, readFileSync(new URL(w.wasm, BUILD)), w.inputs, w.env ? { env: w.env } : {});
      const got = await taskResult(board, w.name);
      expect(got, `workload ${w.name}`).toEqual('results' in w.expect ? { results: w.expect.results } : { results: '', error: w.expect.error });
      for (const text of w.logs ?? []) expect(board.chip.transcript).toContain(`<inf> task: id=${w.name} text=${text}\r\n`);
    }
    expect(heapUsed(board.chip).last).toBe(heapUsed(board.chip).baseline);
  } finally {
    await closeBoard(board);
  }
});

test('every bad payload of fixtures/build/payloads.json is rejected or fails as expected', async () => {
  const board = await provisionedBoard();
  const { chip, manager } = board;
  try {
    for (const p of table('payloads.json', Payload)) {
      const from = chip.transcript.length;
      await manager.publish(`${BASE}control/manager/start`, readFileSync(new URL(`payloads/${p.file}`, BUILD)));
      if (p.rejected !== null) {
        const line = `<err> wasm: Task rejected id=${p.id ?? '-'} reason=${p.rejected}\r\n`;
        await chip.expect(new RegExp(line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), { from });
      }
      if (p.error !== null) expect(await taskResult(board, p.id!), `payload ${p.name}`).toEqual({ results: '', error: p.error });
    }
    const ids = manager.messages.filter((m) => m.topic.endsWith('/results')).map((m) => JSON.parse(m.payload).task_id);
    expect(ids, 'a result for exactly the payloads with an error').toEqual(table('payloads.json', Payload).filter((p) => p.error !== null).map((p) => p.id));
  } finally {
    await closeBoard(board);
  }
});
