/**
 * Seeded mutations of what a manager and a registry send a proplet: start, stop and registry
 * messages in the shapes the real manager, upstream and our contract use, and the workload
 * modules inside them. The same seed and fixtures give the same messages, byte for byte, so
 * a failing board run replays exactly (HIL_FUZZ_SEED).
 */

/** A small, fast PRNG (mulberry32): the whole sequence follows from the 32-bit seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export type FuzzKind = 'start' | 'stop' | 'registry';

export interface FuzzMessage {
  index: number;
  kind: FuzzKind;
  /** What was done to the message, for the failure text. */
  mutation: string;
  /** The exact bytes published on the kind's topic. */
  payload: Buffer;
  /** For `registry`: the image_url of the start message that makes the board ask for it. */
  imageUrl?: string;
  /** For `registry`: that start message (a fetch by image_url, no file). */
  fetchStart?: Buffer;
  /** For `registry`: the genuine answer that releases the fetch when the mutated one is ignored. */
  genuineAnswer?: Buffer;
}

export interface FuzzInputs {
  seed: number;
  count: number;
  /** Workload modules by name (fixtures/build/*.wasm): the material of module mutations. */
  modules: Record<string, Uint8Array>;
  /** The board's proplet id: the real manager names the proplet it scheduled a task on. */
  propletId: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Start messages in every shape that reaches a proplet. */
function startShapes(id: string, file: string, propletId: string): Record<string, { [key: string]: Json }> {
  return {
    // The real manager (v0.5.0): inputs as strings, every field present.
    manager: {
      id,
      name: 'add',
      state: 0,
      image_url: '',
      file,
      inputs: ['2', '3'],
      cli_args: null,
      broadcast: false,
      daemon: false,
      env: { PROPLET_STACK_SIZE: '2048' },
      encrypted: false,
      kbs_resource_path: '',
      monitoring_profile: { enabled: true, interval: 10 },
      proplet_id: propletId,
      hal_storage_path: '',
      parent_results: {},
    },
    upstream: { id, name: 'add', state: 0, file, inputs: [2, 3] },
    contract: { id, name: 'add', file, inputs: [2, 3] },
  };
}

function stopShapes(id: string, propletId: string): Record<string, { [key: string]: Json }> {
  return {
    manager: { id, broadcast: false, proplet_id: propletId },
    upstream: { id, name: 'add', state: 2 },
    contract: { id },
  };
}

const ODD_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  4294967296,
  1e308,
  -2147483649,
  1.5,
  '',
  '\u0000',
  '\ud800',
  'é😀',
  '"\\/',
  [],
  {},
  ['2', '3'],
  [2, '3', null],
];

function deep(rng: Rng): { text: string; depth: number } {
  const depth = 1 + rng.int(64);
  const array = rng.int(2) === 0;
  const open = array ? '[' : '{"a":';
  const close = array ? ']' : '}';
  return { text: `${open.repeat(depth)}1${close.repeat(depth)}`, depth };
}

/** Structural mutations on a parsed message; returns the JSON text and what was done. */
function mutateObject(rng: Rng, message: { [key: string]: Json }): { text: string; what: string } {
  const keys = Object.keys(message);
  const key = rng.pick(keys);
  const copy: { [key: string]: Json } = { ...message };
  switch (rng.int(6)) {
    case 0:
      delete copy[key];
      return { text: JSON.stringify(copy), what: `without ${key}` };
    case 1: {
      const value = rng.pick(ODD_VALUES);
      copy[key] = value;
      return { text: JSON.stringify(copy), what: `${key}=${JSON.stringify(value)}` };
    }
    case 2: {
      // Lengths around and far over every limit: 64-byte ids and names, 16 inputs, 16 KB payloads.
      const length = rng.pick([63, 64, 65, 255, 256, 1023, 1024, 16384, 20000]);
      copy[key] = 'A'.repeat(length);
      return { text: JSON.stringify(copy), what: `${key} of ${length} bytes` };
    }
    case 3: {
      const n = rng.pick([16, 17, 1000]);
      copy.inputs = Array.from({ length: n }, (_, i) => (rng.int(2) === 0 ? i : String(i)));
      return { text: JSON.stringify(copy), what: `${n} inputs` };
    }
    case 4: {
      const nest = deep(rng);
      const text = JSON.stringify(copy).replace(/\}$/, `,"${key}":${nest.text}}`);
      return { text, what: `${key} nested ${nest.depth} deep (repeated key)` };
    }
    default: {
      // A repeated key: a reader that takes the first one and a reader that takes the last disagree.
      const value = rng.pick(ODD_VALUES);
      const text = `{${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(copy).slice(1)}`;
      return { text, what: `${key} repeated, first ${JSON.stringify(value)}` };
    }
  }
}

/** Byte mutations on any text or module: bit flips, truncation, a spliced copy. */
function mutateBytes(rng: Rng, bytes: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(bytes);
  if (out.length === 0) return { bytes: out, what: 'empty' };
  switch (rng.int(3)) {
    case 0: {
      const flips = 1 + rng.int(8);
      const at: number[] = [];
      for (let i = 0; i < flips; i++) {
        const pos = rng.int(out.length);
        out[pos]! ^= 1 << rng.int(8);
        at.push(pos);
      }
      return { bytes: out, what: `${flips} bit flips at ${at.join(',')}` };
    }
    case 1: {
      const cut = rng.int(out.length);
      return { bytes: out.subarray(0, cut), what: `truncated to ${cut} of ${out.length} bytes` };
    }
    default: {
      const from = rng.int(out.length);
      const len = 1 + rng.int(Math.min(64, out.length - from));
      const to = rng.int(out.length);
      return { bytes: Buffer.concat([out.subarray(0, to), out.subarray(from, from + len), out.subarray(to)]), what: `${len} bytes from ${from} copied to ${to}` };
    }
  }
}

/** The module's sections (id, start, end), or undefined when it is not a WebAssembly binary. */
function sections(wasm: Buffer): { id: number; start: number; end: number }[] | undefined {
  if (wasm.length < 8 || wasm.readUInt32LE(0) !== 0x6d736100) return undefined;
  const found: { id: number; start: number; end: number }[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const start = pos;
    pos++;
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[pos++];
      if (b === undefined) return undefined;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    pos += size;
    if (pos > wasm.length) return undefined;
    found.push({ id: wasm[start]!, start, end: pos });
  }
  return found;
}

/** Module mutations: section shuffles, huge section lengths, or byte mutations. */
function mutateModule(rng: Rng, wasm: Buffer): { bytes: Buffer; what: string } {
  const secs = sections(wasm);
  const choice = rng.int(3);
  if (secs && secs.length > 1 && choice === 0) {
    const order = secs.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return { bytes: Buffer.concat([wasm.subarray(0, 8), ...order.map((i) => wasm.subarray(secs[i]!.start, secs[i]!.end))]), what: `sections reordered ${order.join(',')}` };
  }
  if (secs && secs.length > 0 && choice === 1) {
    const s = rng.pick(secs);
    // A 5-byte LEB128 size of 0xFFFFFFF0 in place of the real one: a length far past the module.
    const huge = Buffer.from([0xf0, 0xff, 0xff, 0xff, 0x0f]);
    let body = s.start + 1;
    while ((wasm[body]! & 0x80) !== 0) body++;
    body++;
    return { bytes: Buffer.concat([wasm.subarray(0, s.start + 1), huge, wasm.subarray(body)]), what: `section ${s.id} claims 0xFFFFFFF0 bytes` };
  }
  return mutateBytes(rng, wasm);
}

/** A structural or a byte mutation of a JSON message. */
function mutateMessage(rng: Rng, base: { [key: string]: Json }): { payload: Buffer; what: string } {
  if (rng.int(2) === 0) {
    const m = mutateObject(rng, base);
    return { payload: Buffer.from(m.text), what: m.what };
  }
  const m = mutateBytes(rng, Buffer.from(JSON.stringify(base)));
  return { payload: m.bytes, what: m.what };
}

/** `count` fuzzed messages for `seed`; the same inputs always give the same messages. */
export function fuzzMessages(inputs: FuzzInputs): FuzzMessage[] {
  const rng = new Rng(inputs.seed);
  const names = Object.keys(inputs.modules).sort();
  if (names.length === 0) throw new Error('fuzzMessages needs at least one module');
  const modules = names.map((n) => ({ name: n, bytes: Buffer.from(inputs.modules[n]!) }));
  const add = Buffer.from(inputs.modules.add ?? modules[0]!.bytes);
  const tag = (inputs.seed >>> 0).toString(16).padStart(8, '0');
  const messages: FuzzMessage[] = [];
  // A third of the starts and registry answers carry a mutated module instead of a mutated message.
  const withModule = (base: { [key: string]: Json }, field: string): { payload: Buffer; what: string } => {
    if (rng.int(3) !== 0) return mutateMessage(rng, base);
    const module = rng.pick(modules);
    const m = mutateModule(rng, module.bytes);
    return { payload: Buffer.from(JSON.stringify({ ...base, [field]: m.bytes.toString('base64') })), what: `${module.name}.wasm: ${m.what}` };
  };

  for (let index = 0; index < inputs.count; index++) {
    const id = `fuzz-${tag}-${index}`;
    const kind = rng.pick<FuzzKind>(['start', 'start', 'start', 'stop', 'registry']);
    if (kind === 'start') {
      const [shape, base] = rng.pick(Object.entries(startShapes(id, add.toString('base64'), inputs.propletId)));
      const m = withModule(base, 'file');
      messages.push({ index, kind, mutation: `${shape} start: ${m.what}`, payload: m.payload });
    } else if (kind === 'stop') {
      const [shape, base] = rng.pick(Object.entries(stopShapes(id, inputs.propletId)));
      const m = mutateMessage(rng, base);
      messages.push({ index, kind, mutation: `${shape} stop: ${m.what}`, payload: m.payload });
    } else {
      const imageUrl = `fuzz/${tag}/${index}`;
      const data = add.toString('base64');
      const shapes: Record<string, { [key: string]: Json }> = {
        answer: { app_name: imageUrl, data },
        // Upstream's proxy sends the module in chunks.
        chunk: { app_name: imageUrl, chunk_idx: 0, total_chunks: 1, data },
      };
      const [shape, base] = rng.pick(Object.entries(shapes));
      const m = withModule(base, 'data');
      messages.push({
        index,
        kind,
        mutation: `registry ${shape}: ${m.what}`,
        payload: m.payload,
        imageUrl,
        fetchStart: Buffer.from(JSON.stringify({ id, name: 'add', image_url: imageUrl, inputs: [2, 3] })),
        genuineAnswer: Buffer.from(JSON.stringify({ app_name: imageUrl, data })),
      });
    }
  }
  return messages;
}
