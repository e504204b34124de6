import { createServer, type Socket } from 'node:net';
import { expect, test } from '@playwright/test';
import { propletApp } from './index.ts';
import { BASE, closeBoard, heapUsed, provisionedBoard, startTask as start, taskResult as result, writeSettings, type Board } from './testBoard.ts';
import { TestChip } from './testChip.ts';
import { wat } from './wat.ts';

const ADD = wat(`(module (func (export "main") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`);
const SPIN = wat(`(module (func (export "main") (loop (br 0))))`);
/** Shrinkable (exports __heap_base and __data_end, no memory.grow), so its page fits the pool. */
const HOSTED = wat(`(module
  (import "env" "proplet_log" (func $log (param i32 i32)))
  (import "env" "proplet_input_count" (func $count (result i32)))
  (import "env" "proplet_input" (func $input (param i32) (result i32)))
  (import "env" "publish_results" (func $publish (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (global (export "__data_end") i32 (i32.const 64))
  (data (i32.const 16) "hello from wasm" "sum=7")
  (func (export "main") (result i32)
    (call $log (i32.const 16) (i32.const 15))
    (if (i32.eq (call $count) (i32.const 3)) (then (drop (call $input (i32.const 3)))))
    (call $publish (i32.const 31) (i32.const 5))
    (i32.add (call $input (i32.const 0)) (call $input (i32.const 1)))))`);

async function teardown(board: Board): Promise<void> {
  await closeBoard(board);
  await test.info().attach('console', { body: board.chip.transcript, contentType: 'text/plain' });
}

test('a provisioned board boots, connects as its proplet, subscribes and announces itself', async () => {
  const board = await provisionedBoard();
  try {
    const { chip, broker, manager } = board;
    expect(chip.transcript).toMatch(/<inf> main: Settings loaded proplet_id=prop-1 broker=127\.0\.0\.1:\d+\r\n/);
    expect(chip.transcript).toMatch(/<inf> wifi: Connecting ssid=virtual\r\n.*<inf> wifi: WiFi connected ssid=virtual\r\n.*<inf> wifi: DHCP bound address=127\.0\.0\.1\r\n/s);
    expect(chip.transcript).toContain(`<inf> mqtt: Connecting broker=127.0.0.1:${broker.port} client_id=prop-1 keepalive=30\r\n`);
    expect(chip.transcript).toMatch(/<inf> mqtt: MQTT connected session_present=0\r\n/);
    const subscribed = [...chip.transcript.matchAll(/Subscribed topic=(\S+)/g)].map((m) => m[1]);
    expect(subscribed).toEqual([`${BASE}control/manager/start`, `${BASE}control/manager/stop`, `${BASE}registry/server`]);
    expect(broker.connects.filter((c) => c.clientId === 'prop-1')).toEqual([
      {
        clientId: 'prop-1',
        username: 'prop-1',
        password: 'key-1',
        keepalive: 30,
        clean: false,
        will: { topic: `${BASE}control/proplet/alive`, payload: '{"status":"offline","proplet_id":"prop-1","namespace":"embedded"}' },
      },
    ]);
    const discovery = await manager.next('control/proplet/create');
    expect(discovery).toEqual({
      proplet_id: 'prop-1',
      namespace: 'embedded',
      metadata: {
        description: 'Propeller embedded proplet',
        tags: ['esp32s3', 'zephyr', 'wamr'],
        location: '',
        ip: '127.0.0.1',
        environment: 'embedded',
        os: 'zephyr',
        hostname: 'proplet-0b2c3d',
        cpu_arch: 'xtensa',
        total_memory_bytes: 40960,
        proplet_version: '1.2.3',
        wasm_runtime: 'wamr',
      },
    });
    expect(await manager.next('control/proplet/alive')).toEqual({ status: 'alive', proplet_id: 'prop-1', namespace: 'embedded' });
  } finally {
    await teardown(board);
  }
});

test('alive repeats every alive_s while connected', async () => {
  const board = await provisionedBoard('proplet', { alive_s: '1' });
  try {
    await board.manager.next('control/proplet/alive');
    const first = board.manager.messages.findIndex((m) => m.topic.endsWith('/alive'));
    expect(await board.manager.next('control/proplet/alive', { from: first + 1, timeout: 5000 })).toEqual({ status: 'alive', proplet_id: 'prop-1', namespace: 'embedded' });
  } finally {
    await teardown(board);
  }
});

test('a module with a start function is refused before it runs, so one that never returns cannot hold a slot', async () => {
  const board = await provisionedBoard('proplet', { task_timeout_ms: '300' });
  try {
    await start(board, 'start-loop', wat(`(module (func $s (loop (br 0))) (start $s) (func (export "main")))`));
    expect(await result(board, 'start-loop')).toEqual({ results: '', error: 'WASM module instantiate failed: start function not supported' });
    expect(board.chip.transcript, 'refused, not stopped by the watchdog').not.toContain('Task watchdog id=start-loop');
    await start(board, 'after', ADD, [1, 2]);
    expect(await result(board, 'after')).toEqual({ results: '3' });
  } finally {
    await teardown(board);
  }
});

test('a task runs in a worker and its results come back; the pool returns to its baseline', async () => {
  const board = await provisionedBoard();
  try {
    await start(board, 'add-1', ADD, [2, 3]);
    expect(await result(board, 'add-1')).toEqual({ results: '5' });
    // Unsigned 32-bit inputs are taken as two's-complement i32: 4294967295 is -1.
    await start(board, 'add-2', ADD, [2 ** 32 - 1, -1]);
    expect(await result(board, 'add-2')).toEqual({ results: '-2' });
    const t = board.chip.transcript;
    expect(t).toMatch(/<inf> wasm: Task received id=add-1 name=task-add-1 wasm_bytes=\d+ inputs=2\r\n/);
    expect(t).toMatch(/<inf> wasm: Task started id=add-1 slot=0\r\n/);
    expect(t).toMatch(/<inf> wasm: Task finished id=add-1 results=5\r\n\[[^\]]+\] <inf> wasm: Heap pool used=\d+ free=\d+ high=\d+\r\n/);
    await board.chip.expect(/Task finished id=add-2 results=-2\r\n.*Heap pool/s);
    expect(heapUsed(board.chip).last).toBe(heapUsed(board.chip).baseline);
  } finally {
    await teardown(board);
  }
});

test('host functions: proplet_log, proplet_input, publish_results, and an input out of range', async () => {
  const board = await provisionedBoard();
  try {
    await start(board, 'h-1', HOSTED, [3, 4]);
    expect(await result(board, 'h-1')).toEqual({ results: 'sum=7' });
    expect(board.chip.transcript).toContain('<inf> task: id=h-1 text=hello from wasm\r\n');
    await start(board, 'h-2', HOSTED, [3, 4, 5]);
    expect(await result(board, 'h-2')).toEqual({ results: '', error: 'Exception: input index out of range' });
  } finally {
    await teardown(board);
  }
});

test('every failure is published in WAMR words and the board keeps running', async () => {
  const board = await provisionedBoard();
  const cases: [string, Uint8Array, number[], string][] = [
    ['magic', Buffer.from('not wasm at all'), [], 'WASM module load failed: magic header not detected'],
    ['version', Buffer.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), [], 'WASM module load failed: unknown binary version'],
    ['unreachable', wat(`(module (func (export "main") unreachable))`), [], 'Exception: unreachable'],
    ['div', wat(`(module (func (export "main") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))`), [0], 'Exception: integer divide by zero'],
    ['overflow', wat(`(module (func (export "main") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1))))`), [], 'Exception: integer overflow'],
    ['oob', wat(`(module (memory 0 0) (func (export "main") (result i32) (i32.load (i32.const 70000))))`), [], 'Exception: out of bounds memory access'],
    ['recursion', wat(`(module (func $f (export "main") (result i32) (i32.add (call $f) (i32.const 1))))`), [], 'Exception: wasm operand stack overflow'],
    ['indirect', wat(`(module (type $t (func (result i32))) (table 1 funcref) (elem (i32.const 0) $g) (func $g (param i32)) (func (export "main") (result i32) (call_indirect (type $t) (i32.const 0))))`), [], 'Exception: indirect call type mismatch'],
    ['nomain', wat(`(module (func (export "start")))`), [], 'WASM function main not found'],
    ['import', wat(`(module (import "wasi" "fd_write" (func)) (func (export "main")))`), [], 'WASM module instantiate failed: unknown import wasi.fd_write'],
    ['arity', ADD, [1], 'WASM function main expects 2 inputs, got 1'],
    ['page', wat(`(module (memory 1) (func (export "main") (result i32) (memory.grow (i32.const 1))))`), [], 'WASM module instantiate failed: allocate linear memory failed'],
    ['start', wat(`(module (func $s) (start $s) (func (export "main") (result i32) (i32.const 0)))`), [], 'WASM module instantiate failed: start function not supported'],
    ['f64', wat(`(module (func (export "main") (result f64) (f64.const 1.5)))`), [], 'WASM function main returns a non-i32 result'],
    ['mem-import', wat(`(module (import "env" "mem" (memory 0 0)) (func (export "main")))`), [], 'WASM module instantiate failed: unknown import env.mem'],
  ];
  try {
    for (const [id, wasm, inputs, error] of cases) {
      await start(board, id, wasm, inputs);
      expect(await result(board, id), `task ${id}`).toEqual({ results: '', error });
      expect(board.chip.transcript).toContain(`<err> wasm: Task failed id=${id} error=${error}\r\n`);
    }
    // No app heap: with one, a memory of 0 pages that may grow is given a whole page and fails.
    const noHeap = { env: { PROPLET_HEAP_SIZE: '0' } };
    await start(board, 'imported', wat(`(module (import "env" "memory" (memory 0 4)) (func (export "main") (result i32) (memory.grow (i32.const 1))))`), [], noHeap);
    expect(await result(board, 'imported'), 'an imported memory is held to the pool too').toEqual({ results: '-1' });
    await start(board, 'grow', wat(`(module (memory (export "memory") 0) (func (export "main") (result i32) (memory.grow (i32.const 1))))`), [], noHeap);
    expect(await result(board, 'grow'), 'memory.grow past the pool returns -1').toEqual({ results: '-1' });
    await start(board, 'after', ADD, [20, 22]);
    expect(await result(board, 'after')).toEqual({ results: '42' });
    expect(heapUsed(board.chip).last).toBe(heapUsed(board.chip).baseline);
  } finally {
    await teardown(board);
  }
});

test('bad start and stop messages are rejected as the contract says', async () => {
  const board = await provisionedBoard();
  const { manager, chip } = board;
  try {
    const send = (suffix: string, payload: string | Buffer) => manager.publish(`${BASE}${suffix}`, payload);
    await send('control/manager/start', JSON.stringify({ id: 'b64', name: 'n', file: '!!notbase64' }));
    expect(await result(board, 'b64')).toEqual({ results: '', error: 'invalid task: bad base64 in file' });
    await send('control/manager/start', JSON.stringify({ id: 'nofile', name: 'n' }));
    expect(await result(board, 'nofile')).toEqual({ results: '', error: 'invalid task: missing file or image_url' });
    await send('control/manager/start', JSON.stringify({ id: 'many', name: 'n', file: Buffer.from(ADD).toString('base64'), inputs: new Array(17).fill(1) }));
    expect(await result(board, 'many')).toEqual({ results: '', error: 'invalid task: more than 16 inputs' });
    await send('control/manager/start', JSON.stringify({ id: 'long', name: 'n'.repeat(65), file: 'AA==' }));
    expect(await result(board, 'long')).toEqual({ results: '', error: 'invalid task: name too long' });
    await send('control/manager/start', '{not json');
    await chip.expect(/<err> wasm: Task rejected id=- reason=invalid JSON\r\n/);
    await send('control/manager/start', Buffer.alloc(16385, 0x20));
    await chip.expect(/<err> wasm: Task rejected id=- reason=payload too large \(16385 > 16384 bytes\)\r\n/);
    await send('control/manager/stop', JSON.stringify({ id: 'ghost' }));
    await chip.expect(/<err> wasm: Task rejected id=ghost reason=unknown task\r\n/);
    await send('control/proplet/nonsense', '{}');
    await send('registry/server', JSON.stringify({ app_name: 'nobody-asked', data: '' }));
    await chip.expect(/<wrn> mqtt: Ignoring message topic=\S+registry\/server\r\n/);
    const published = manager.messages.filter((m) => m.topic.endsWith('results')).map((m) => JSON.parse(m.payload).task_id);
    expect(published, 'rejections without a usable id publish nothing').toEqual(['b64', 'nofile', 'many', 'long']);
  } finally {
    await teardown(board);
  }
});

/** A start message exactly as the real manager (v0.5.0, manager/service.go `startPayload`) marshals it. */
function managerStart(id: string, wasm: Uint8Array, inputs: string[], propletId: string): string {
  return JSON.stringify({
    id,
    name: 'add',
    state: 0,
    file: Buffer.from(wasm).toString('base64'),
    inputs,
    cli_args: null,
    broadcast: false,
    daemon: false,
    encrypted: false,
    proplet_id: propletId,
  });
}

test('the real manager\'s start and stop: string inputs, its stop shape, addressing', async () => {
  const board = await provisionedBoard();
  const { manager, chip } = board;
  try {
    const send = (suffix: string, payload: string) => manager.publish(`${BASE}${suffix}`, payload);
    await send('control/manager/start', managerStart('m-1', ADD, ['2', '3'], 'prop-1'));
    expect(await result(board, 'm-1')).toEqual({ results: '5' });
    await send('control/manager/start', managerStart('m-2', ADD, ['-7', '3'], 'prop-1'));
    expect(await result(board, 'm-2')).toEqual({ results: '-4' });
    await send('control/manager/start', managerStart('m-3', ADD, ['4294967295', '-2147483648'], 'prop-1'));
    expect(await result(board, 'm-3')).toEqual({ results: '2147483647' });
    expect(await manager.next('control/proplet/task_metrics')).toEqual({
      task_id: 'm-1',
      proplet_id: 'prop-1',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      metrics: { uptime_seconds: expect.any(Number), thread_count: 1 },
    });
    await send('control/manager/start', managerStart('m-bad', ADD, ['2', 'three'], 'prop-1'));
    expect(await result(board, 'm-bad')).toEqual({ results: '', error: 'invalid task: input 1 is not a 32-bit integer' });

    // Addressed to another proplet: one line, nothing run, no result.
    await send('control/manager/start', managerStart('m-other', ADD, ['1', '1'], 'prop-2'));
    await chip.expect(/<inf> mqtt: Task for another proplet id=m-other proplet_id=prop-2\r\n/);
    // A broadcast start names no proplet and runs everywhere.
    await send('control/manager/start', JSON.stringify({ id: 'm-all', name: 'add', file: Buffer.from(ADD).toString('base64'), inputs: ['1', '1'], broadcast: true }));
    expect(await result(board, 'm-all')).toEqual({ results: '2' });

    await send('control/manager/start', managerStart('m-spin', SPIN, [], 'prop-1'));
    await chip.expect(/Task started id=m-spin slot=\d/);
    await send('control/manager/stop', JSON.stringify({ broadcast: false, id: 'm-spin', proplet_id: 'prop-2' }));
    await chip.expect(/<inf> mqtt: Task for another proplet id=m-spin proplet_id=prop-2\r\n/);
    await send('control/manager/stop', JSON.stringify({ broadcast: false, id: 'm-spin', proplet_id: 'prop-1' }));
    expect(await result(board, 'm-spin')).toEqual({ results: '', error: 'Exception: terminated by user' });
    expect(chip.transcript).not.toMatch(/Task (received|started|rejected) id=m-other/);
    expect(manager.messages.some((m) => m.topic.includes('/control/proplet/') && m.payload.includes('"m-other"'))).toBe(false);
  } finally {
    await teardown(board);
  }
});

test('upstream firmware\'s stop {id, name, state} ends a task too', async () => {
  const board = await provisionedBoard();
  try {
    await start(board, 'u-spin', SPIN);
    await board.chip.expect(/Task started id=u-spin slot=\d/);
    await board.manager.publish(`${BASE}control/manager/stop`, JSON.stringify({ id: 'u-spin', name: 'spin', state: 'stop' }));
    expect(await result(board, 'u-spin')).toEqual({ results: '', error: 'Exception: terminated by user' });
  } finally {
    await teardown(board);
  }
});

test('a task fetched by image_url from the registry runs', async () => {
  const board = await provisionedBoard();
  try {
    await board.manager.publish(`${BASE}control/manager/start`, JSON.stringify({ id: 'r-1', name: 'reg', image_url: 'docker.io/add:1', inputs: [4, 5] }));
    expect(await board.manager.next('registry/proplet')).toEqual({ app_name: 'docker.io/add:1' });
    await board.manager.publish(`${BASE}registry/server`, JSON.stringify({ app_name: 'docker.io/add:1', data: Buffer.from(ADD).toString('base64') }));
    expect(await result(board, 'r-1')).toEqual({ results: '9' });
  } finally {
    await teardown(board);
  }
});

test('tasks beyond the pool fail, stop ends a running task and frees its slot and memory', async () => {
  const board = await provisionedBoard();
  try {
    await start(board, 'spin-1', SPIN);
    await board.chip.expect(/Task started id=spin-1 slot=0/);
    await start(board, 'spin-1', SPIN);
    expect(await result(board, 'spin-1')).toEqual({ results: '', error: 'invalid task: id spin-1 is running' });
    // Two default tasks without linear memory share the pool (2 × 19.2 KB of 40744 bytes); a third does not.
    await start(board, 'second', ADD, [1, 1]);
    expect(await result(board, 'second')).toEqual({ results: '2' });
    await start(board, 'spin-2', SPIN);
    await board.chip.expect(/Task started id=spin-2 slot=1/);
    await start(board, 'third', ADD, [1, 1]);
    expect(await result(board, 'third')).toEqual({ results: '', error: 'WASM module instantiate failed: allocate memory failed' });
    await board.manager.publish(`${BASE}control/manager/stop`, JSON.stringify({ id: 'spin-2' }));
    expect(await result(board, 'spin-2')).toEqual({ results: '', error: 'Exception: terminated by user' });
    // With small stacks and no app heap, several tasks share the pool (CONTRACT.md §1).
    const small = { env: { PROPLET_STACK_SIZE: '2048', PROPLET_HEAP_SIZE: '0' } };
    const before = board.manager.messages.length;
    await board.manager.publish(`${BASE}control/manager/stop`, JSON.stringify({ id: 'spin-1' }));
    expect(await result(board, 'spin-1', { from: before })).toEqual({ results: '', error: 'Exception: terminated by user' });
    expect(board.chip.transcript).toMatch(/<inf> wasm: Task stopped id=spin-1\r\n/);
    for (const id of ['s-0', 's-1', 's-2', 's-3']) await start(board, id, SPIN, [], small);
    await board.chip.expect(/Task started id=s-3 slot=3/);
    await start(board, 's-4', ADD, [1, 2], small);
    expect(await result(board, 's-4')).toEqual({ results: '', error: 'invalid task: no free task slot' });
    for (const id of ['s-0', 's-1', 's-2', 's-3']) await board.manager.publish(`${BASE}control/manager/stop`, JSON.stringify({ id }));
    for (const id of ['s-0', 's-1', 's-2', 's-3']) expect(await result(board, id)).toEqual({ results: '', error: 'Exception: terminated by user' });
    await start(board, 'after', ADD, [1, 2]);
    expect(await result(board, 'after')).toEqual({ results: '3' });
    expect(heapUsed(board.chip).last).toBe(heapUsed(board.chip).baseline);
  } finally {
    await teardown(board);
  }
});

test('the watchdog ends a runaway task with a clear error', async () => {
  const board = await provisionedBoard('proplet', { task_timeout_ms: '300' });
  try {
    await start(board, 'loop', SPIN);
    expect(await result(board, 'loop')).toEqual({ results: '', error: 'Exception: terminated by user' });
    expect(board.chip.transcript).toMatch(/<err> wasm: Task watchdog id=loop after=300ms\r\n\[[^\]]+\] <err> wasm: Task failed id=loop error=Exception: terminated by user\r\n/);
    await start(board, 'next', ADD, [1, 2]);
    expect(await result(board, 'next')).toEqual({ results: '3' });
  } finally {
    await teardown(board);
  }
});

test('after a broker loss the board reconnects with backoff, subscribes again and delivers held results', async () => {
  const board = await provisionedBoard('proplet', { task_timeout_ms: '60000' });
  const { chip, broker, manager } = board;
  try {
    await start(board, 'held', wat(`(module (func (export "main") (param i32) (result i32) (local $i i32)
      (loop (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if 0 (i32.lt_u (local.get $i) (local.get 0)))) (local.get $i)))`), [1_000_000_000]);
    await chip.expect(/Task started id=held/);
    const from = chip.transcript.length;
    await broker.down();
    await chip.expect(/<wrn> mqtt: MQTT disconnected reason=[^\r]+\r\n/, { from });
    await chip.expect(/<inf> mqtt: Reconnect attempt=1 delay=\d+ms\r\n/, { from });
    await chip.expect(/Task finished id=held/, { from, timeout: 30_000 });
    await broker.listen();
    await chip.expect(/<inf> mqtt: MQTT connected session_present=1\r\n(.*\r\n)*?.*Subscribed topic=\S+registry\/server/, { from, timeout: 20_000 });
    const attempts = [...chip.transcript.slice(from).matchAll(/Reconnect attempt=(\d+) delay=(\d+)ms/g)].map((m) => [Number(m[1]), Number(m[2])]);
    for (const [n, delay] of attempts) expect(delay).toBeGreaterThanOrEqual(Math.min(500 * 2 ** (n! - 1), 8000));
    expect(await result(board, 'held', { timeout: 15_000 })).toEqual({ results: '1000000000' });
    const before = manager.messages.length;
    // QoS 1 may deliver `held` again after the reconnect; a small task fits beside it.
    await start(board, 'after', ADD, [1, 2], { env: { PROPLET_STACK_SIZE: '1024', PROPLET_HEAP_SIZE: '0' } });
    expect(await manager.next('control/proplet/results', { from: before, match: (p) => p.task_id === 'after' })).toEqual({ task_id: 'after', results: '3' });
  } finally {
    await teardown(board);
  }
});

test('a refused CONNACK and a silent broker are named as the contract says, and both are recovered from', async () => {
  // A broker reduced to its CONNACKs: the first connection is refused (rc 5, not authorized),
  // every later one accepted and then never answered, not even a PINGREQ.
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const rc = connections++ === 0 ? 5 : 0;
    socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, rc])));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chip = new TestChip(propletApp);
  const port = (server.address() as { port: number }).port;
  const settings = { proplet_id: 'p', api_key: 'k', tenant_id: 't', channel_id: 'c', mqtt_broker_host: '127.0.0.1', mqtt_broker_port: String(port), keepalive_s: '1' };
  writeSettings(chip, settings);
  chip.powerOn();
  try {
    await chip.expect(/<wrn> mqtt: MQTT disconnected reason=connect refused rc=5\r\n\[[^\]]+\] <inf> mqtt: Reconnect attempt=1 /);
    await chip.expect(/<inf> mqtt: MQTT connected session_present=0\r\n/);
    await chip.expect(/<wrn> mqtt: MQTT disconnected reason=keepalive timeout\r\n\[[^\]]+\] <inf> mqtt: Reconnect attempt=1 /, { timeout: 10_000 });
  } finally {
    chip.powerOff();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a reset drops the connection without DISCONNECT, so the broker publishes the will', async () => {
  const board = await provisionedBoard();
  try {
    await board.manager.next('control/proplet/alive');
    const from = board.manager.messages.length;
    board.chip.powerOff();
    expect(await board.manager.next('control/proplet/alive', { from, match: (p) => p.status === 'offline' })).toEqual({
      status: 'offline',
      proplet_id: 'prop-1',
      namespace: 'embedded',
    });
  } finally {
    await teardown(board);
  }
});

test('a start payload over 1024 bytes is read whole', async () => {
  const long = { inputs: [1, 2], padding: 'x'.repeat(1100) };
  const ours = await provisionedBoard('proplet');
  try {
    await start(ours, 'long', ADD, [], long);
    expect(await result(ours, 'long')).toEqual({ results: '3' });
  } finally {
    await teardown(ours);
  }
});
