import { expect, test } from '@playwright/test';
import {
  AliveTopicPayloadSchema,
  DiscoveryPayloadSchema,
  MetricsPayloadSchema,
  ResultPayloadSchema,
  StartPayloadSchema,
  TaskMetricsPayloadSchema,
} from './payloads.ts';
import { buildStop, buildTask, forWire } from './task.ts';
import { propellerTopics } from './topics.ts';

test('topics are m/<tenant>/c/<channel>/<suffix>, and a topic maps back to its name', () => {
  const t = propellerTopics('ten', 'chan');
  expect(t.start).toBe('m/ten/c/chan/control/manager/start');
  expect(t.results).toBe('m/ten/c/chan/control/proplet/results');
  expect(t.registryProplet).toBe('m/ten/c/chan/registry/proplet');
  expect(t.nameOf('m/ten/c/chan/control/proplet/alive')).toBe('alive');
  expect(t.nameOf('m/other/c/chan/control/proplet/alive')).toBeUndefined();
});

test('results: with a csv, or empty with an error; nothing in between', () => {
  expect(ResultPayloadSchema.safeParse({ task_id: 'a', results: '5' }).success).toBe(true);
  expect(ResultPayloadSchema.safeParse({ task_id: 'a', results: '', error: 'Exception: unreachable' }).success).toBe(true);
  expect(ResultPayloadSchema.safeParse({ task_id: 'a', results: '5', error: 'x' }).success).toBe(false);
  expect(ResultPayloadSchema.safeParse({ results: '5' }).success).toBe(false);
});

test('alive and the will share a topic and differ by status', () => {
  expect(AliveTopicPayloadSchema.parse({ status: 'alive', proplet_id: 'p', namespace: 'embedded' }).status).toBe('alive');
  expect(AliveTopicPayloadSchema.parse({ status: 'offline', proplet_id: 'p', namespace: 'embedded' }).status).toBe('offline');
  expect(AliveTopicPayloadSchema.safeParse({ status: 'sleeping', proplet_id: 'p', namespace: 'embedded' }).success).toBe(false);
});

test('discovery and metrics follow CONTRACT.md §3', () => {
  const discovery = {
    proplet_id: 'p', namespace: 'embedded',
    metadata: { description: 'Propeller embedded proplet', tags: ['esp32s3', 'zephyr', 'wamr'], location: '', ip: '10.0.0.7', environment: 'embedded',
      os: 'zephyr', hostname: 'proplet-a1b2c3', cpu_arch: 'xtensa', total_memory_bytes: 40960, proplet_version: '1.0.0', wasm_runtime: 'wamr' },
  };
  expect(DiscoveryPayloadSchema.safeParse(discovery).success).toBe(true);
  expect(DiscoveryPayloadSchema.safeParse({ ...discovery, metadata: { ...discovery.metadata, wasm_runtime: 'wasmtime' } }).success).toBe(false);
  const metrics = {
    proplet_id: 'p', namespace: 'embedded', timestamp: '2026-12-01T19:30:00.123Z', cpu_metrics: {},
    memory_metrics: { rss_bytes: 1, heap_alloc_bytes: 1, heap_sys_bytes: 40960, heap_inuse_bytes: 1, heap_free_bytes: 40959, heap_high_bytes: 3 },
    tasks: { running: 0, finished: 4, failed: 1 },
  };
  expect(MetricsPayloadSchema.safeParse(metrics).success).toBe(true);
  const { timestamp: _, ...withoutTime } = metrics;
  expect(MetricsPayloadSchema.safeParse(withoutTime).success, 'no wall clock: the manager stamps the arrival').toBe(true);
  expect(MetricsPayloadSchema.safeParse({ ...metrics, memory_metrics: { heap_alloc_bytes: -1 } }).success).toBe(false);
  // The old {heap, tasks} shape: the manager stores it as empty metrics.
  expect(MetricsPayloadSchema.safeParse({ proplet_id: 'p', namespace: 'embedded', heap: { used: 1, free: 2, high: 3, total: 40960 }, tasks: metrics.tasks }).success).toBe(false);
  // Upstream's firmware sends its uptime in ms as timestamp, which the manager cannot parse.
  expect(MetricsPayloadSchema.safeParse({ ...metrics, timestamp: 12345 }).success).toBe(false);
  expect(TaskMetricsPayloadSchema.safeParse({ task_id: 't', proplet_id: 'p', metrics: { uptime_seconds: 2, thread_count: 1 } }).success).toBe(true);
  expect(TaskMetricsPayloadSchema.safeParse({ proplet_id: 'p', metrics: {} }).success).toBe(false);
});

test('a built task is the real manager\'s start message; the wire addresses it and picks the input form', () => {
  const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const task = buildTask({ wasm, inputs: [-7, 3], name: 'add', id: 'fixed' });
  // Key order and values as Go marshals manager/service.go's startPayload.
  expect(JSON.stringify(task)).toBe(
    '{"id":"fixed","name":"add","state":0,"file":"AGFzbQEAAAA=","inputs":["-7","3"],"cli_args":null,"broadcast":false,"daemon":false,"encrypted":false}',
  );
  expect(buildTask({ wasm, id: 'x' })).not.toHaveProperty('inputs');
  const addressed = forWire(task, { inputs: 'strings', propletId: 'board-1' });
  expect(addressed.proplet_id).toBe('board-1');
  expect(addressed.inputs).toEqual(['-7', '3']);
  expect(forWire(task, { inputs: 'numbers', propletId: 'board-1' }).inputs).toEqual([-7, 3]);
  expect(forWire(buildTask({ wasm, propletId: 'other' }), { inputs: 'strings', propletId: 'board-1' }).proplet_id, 'a spec may address another proplet').toBe('other');
  expect(forWire({ ...task, broadcast: true }, { inputs: 'strings', propletId: 'board-1' })).not.toHaveProperty('proplet_id');
  expect(JSON.stringify(buildStop('t1', { inputs: 'strings', propletId: 'board-1' }))).toBe('{"broadcast":false,"id":"t1","proplet_id":"board-1"}');
  expect(buildStop('t1', { inputs: 'numbers', propletId: 'board-1' }, 'loop')).toEqual({ broadcast: false, id: 't1', proplet_id: 'board-1', name: 'loop', state: 'stop' });
});

test('a built task is a valid start message with base64 file and a fresh id each time', () => {
  const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const a = buildTask({ wasm, inputs: [1, 2], name: 'add', env: { PROPLET_STACK_SIZE: '2048' } });
  const b = buildTask({ wasm, inputs: [1, 2], name: 'add' });
  expect(StartPayloadSchema.parse(a)).toEqual(a);
  expect(Buffer.from(a.file!, 'base64')).toEqual(Buffer.from(wasm));
  expect(a.id).not.toBe(b.id);
  expect(b).not.toHaveProperty('env');
  expect(StartPayloadSchema.safeParse({ id: 'x', name: 'n' }).success).toBe(false);
  expect(StartPayloadSchema.safeParse({ ...a, inputs: Array.from({ length: 17 }, () => 0) }).success).toBe(false);
  expect(StartPayloadSchema.safeParse({ ...a, id: 'i'.repeat(65) }).success).toBe(false);
});
