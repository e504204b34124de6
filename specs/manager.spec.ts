import { ManagerApi, stateName } from '../harness/propeller/managerApi.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';
import { requireCapabilities } from '../harness/profiles/unsupported.ts';

// The real Propeller manager in the loop (docs/propeller-manager.md): the bench file names its
// HTTP API (propeller.manager.url); it and the boards share the lab's broker (broker.external),
// tenant and channel. Everything goes through the manager's API, as an operator would.
const TIMEOUT = 30_000;

test.describe('manager', () => {
  let api: ManagerApi;
  test.beforeEach(({ plan }) => {
    const url = plan.config.propeller.manager?.url;
    test.skip(!url, 'the bench file names no real manager (propeller.manager.url)');
    test.skip(!plan.config.broker.external, 'the real manager needs the lab broker (broker.external) that it and the boards share');
    api = new ManagerApi(url!.replace(/\/$/, ''));
  });

  test('the board is listed as an alive proplet with its discovery metadata', async ({ board }) => {
    const proplet = await api.awaitAliveProplet(board.credentials.id, TIMEOUT);
    expect(proplet.metadata).toMatchObject({ os: 'zephyr', wasm_runtime: 'wamr' });
  });

  test('a task created with string inputs and started through the manager gives its results there', async ({ board, workloads, profile }) => {
    requireCapabilities(profile, 'string-inputs');
    await api.awaitAliveProplet(board.credentials.id, TIMEOUT);
    for (const [inputs, results] of [
      [['2', '3'], '5'],
      [['-7', '3'], '-4'],
    ] as const) {
      const task = await api.createTask({ name: 'add', wasm: workloads.add!.bytes, inputs: [...inputs], propletId: board.credentials.id });
      const since = board.console.mark();
      await api.startTask(task.id);
      await board.console.expect((e) => e.kind === 'task.finished' && e.id === task.id, { timeout: TIMEOUT, since });
      const ended = await api.awaitEnded(task.id, TIMEOUT);
      expect(stateName(ended.state), JSON.stringify(ended)).toBe('Completed');
      expect(await api.results(task.id)).toBe(results);
    }
  });

  test('a stop through the manager ends a looping task on the board', async ({ board, workloads, profile }) => {
    requireCapabilities(profile, 'stop', 'responsive-while-running');
    await api.awaitAliveProplet(board.credentials.id, TIMEOUT);
    const task = await api.createTask({ name: 'loop', wasm: workloads.loop!.bytes, propletId: board.credentials.id });
    const since = board.console.mark();
    await api.startTask(task.id);
    await board.console.expect((e) => e.kind === 'task.started' && e.id === task.id, { timeout: TIMEOUT, since });
    await api.stopTask(task.id);
    await board.console.expect((e) => e.kind === 'task.stopped' && e.id === task.id, { timeout: TIMEOUT, since });
    const ended = await api.awaitEnded(task.id, TIMEOUT);
    expect(stateName(ended.state)).toBe('Failed');
    expect(ended.error).toBe('Exception: terminated by user');
  });
});
