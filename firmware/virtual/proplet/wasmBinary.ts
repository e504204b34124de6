/**
 * Just enough of the WebAssembly binary format to see what WAMR's loader sees when it sizes a
 * module: its linear memory, whether code uses memory.grow/memory.size, the globals it exports.
 * Only modules the engine has already validated come here, so the reader trusts the layout.
 */

export interface MemoryLimits {
  initial: number;
  maximum?: number;
  imported: boolean;
}

/** A function signature: its parameter and result counts, and whether each kind is all i32. */
export interface Signature {
  params: number;
  results: number;
  paramsI32: boolean;
  resultsI32: boolean;
}

export interface WasmFacts {
  memory?: MemoryLimits;
  /** True when any function uses memory.grow or memory.size (or code the reader cannot walk). */
  growsMemory: boolean;
  /** Value of the exported i32 global, for `__heap_base` and `__data_end`. */
  exportedGlobals: Map<string, number>;
  /** Imported and defined functions. */
  functionCount: number;
  typeCount: number;
  /** Parameters plus results over all types: WAMR keeps each signature's value types. */
  valueTypeCount: number;
  /** Imported and defined globals. */
  globalCount: number;
  tableCount: number;
  /** Slots of table 0 that no active element segment fills (a call through one traps). */
  emptyTableSlots: number;
  dataSegmentCount: number;
  exportCount: number;
  /** The module has a start function (section 8): WAMR runs it inside instantiation. */
  hasStart: boolean;
  /**
   * The C stack clang's wasm-ld lays out in linear memory, as WAMR's loader finds it: with both
   * `__heap_base` and `__data_end` exported, the first defined mutable i32 global whose
   * constant initial value is at most `__heap_base` is the stack pointer; the stack's size is
   * its top minus `__data_end` when the top lies above it, else the top itself.
   */
  auxStackBytes?: number;
  /** Each exported function's signature. */
  exportedFunctions: Map<string, Signature>;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new RangeError('unexpected end');
    return b;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  }

  /** Signed LEB128 of any width, as a number (precise for i32). */
  sleb(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return b & 0x40 ? result - 2 ** shift : result;
  }

  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  skip(n: number): void {
    this.pos += n;
  }

  limits(): { initial: number; maximum?: number } {
    const flags = this.byte();
    const initial = this.u32();
    return flags & 1 ? { initial, maximum: this.u32() } : { initial };
  }
}

interface Section {
  id: number;
  start: number;
  end: number;
  /** Where the section's id byte is, for splicing. */
  headerStart: number;
}

function sections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes, 8);
  const found: Section[] = [];
  while (r.pos < bytes.length) {
    const headerStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    found.push({ id, start: r.pos, end: r.pos + size, headerStart });
    r.skip(size);
  }
  return found;
}

function skipConstExpr(r: Reader): number | undefined {
  let value: number | undefined;
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return value;
    if (op === 0x41) value = r.sleb();
    else if (op === 0x42) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0x23 || op === 0xd2) r.u32();
    else if (op === 0xd0) r.byte();
    else return undefined;
  }
}

/** Walks one function body; true when it holds memory.grow/memory.size or an opcode it cannot walk. */
function bodyGrowsMemory(r: Reader, end: number): boolean {
  for (let groups = r.u32(); groups > 0; groups--) {
    r.u32();
    r.byte();
  }
  while (r.pos < end) {
    const op = r.byte();
    if (op === 0x3f || op === 0x40) return true;
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      // A block type is one byte (empty or a value type) or a non-negative type index.
      const t = r.bytes[r.pos]!;
      if (t >= 0x40 && t < 0x80) r.skip(1);
      else r.sleb();
    } else if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x26) || op === 0x10 || op === 0xd2) r.u32();
    else if (op === 0x0e) {
      for (let n = r.u32() + 1; n > 0; n--) r.u32();
    } else if (op === 0x11) {
      r.u32();
      r.u32();
    } else if (op === 0x1c) r.skip(r.u32());
    else if (op >= 0x28 && op <= 0x3e) {
      r.u32();
      r.u32();
    } else if (op === 0x41 || op === 0x42) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.skip(1);
    else if (op === 0xfc) {
      const sub = r.u32();
      if (sub === 8) {
        r.u32();
        r.skip(1);
      } else if (sub === 10) r.skip(2);
      else if (sub === 11) r.skip(1);
      else if (sub === 12 || sub === 14) {
        r.u32();
        r.u32();
      } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
      else if (sub > 17) return true;
    } else if (op >= 0xfd) return true;
  }
  return false;
}

export function inspect(bytes: Uint8Array): WasmFacts {
  let memory: MemoryLimits | undefined;
  let growsMemory = false;
  let importedFunctions = 0;
  let definedFunctions = 0;
  const globalValues: (number | undefined)[] = [];
  const globalExports = new Map<string, number>();
  const types: Signature[] = [];
  let valueTypeCount = 0;
  let tableCount = 0;
  let tableSlots = 0;
  let filledSlots = 0;
  let dataSegmentCount = 0;
  let exportCount = 0;
  let hasStart = false;
  /** Defined globals that could be a stack pointer: mutable i32 with a constant value. */
  const mutableI32: { index: number; value: number }[] = [];
  const functionTypes: number[] = [];
  const functionExports = new Map<string, number>();
  for (const s of sections(bytes)) {
    const r = new Reader(bytes, s.start);
    if (s.id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        r.byte();
        const params = r.u32();
        const paramTypes = bytes.subarray(r.pos, r.pos + params);
        r.skip(params);
        const results = r.u32();
        const resultTypes = bytes.subarray(r.pos, r.pos + results);
        r.skip(results);
        valueTypeCount += params + results;
        types.push({ params, results, paramsI32: paramTypes.every((t) => t === 0x7f), resultsI32: resultTypes.every((t) => t === 0x7f) });
      }
    } else if (s.id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) {
          functionTypes.push(r.u32());
          importedFunctions++;
        } else if (kind === 1) {
          r.byte();
          r.limits();
          tableCount++;
        } else if (kind === 2) memory = { ...r.limits(), imported: true };
        else if (kind === 3) {
          r.skip(2);
          globalValues.push(undefined);
        } else r.u32();
      }
    } else if (s.id === 3) {
      definedFunctions = r.u32();
      for (let n = definedFunctions; n > 0; n--) functionTypes.push(r.u32());
    }
    else if (s.id === 4) {
      for (let n = r.u32(); n > 0; n--) {
        r.byte();
        const { initial } = r.limits();
        if (tableCount === 0) tableSlots = initial;
        tableCount++;
      }
    } else if (s.id === 5 && r.u32() > 0) memory = { ...r.limits(), imported: false };
    else if (s.id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        const type = r.byte();
        const mutable = r.byte() === 1;
        const value = skipConstExpr(r);
        if (type === 0x7f && mutable && value !== undefined) mutableI32.push({ index: globalValues.length, value });
        globalValues.push(value);
      }
    } else if (s.id === 8) hasStart = true;
    else if (s.id === 9) filledSlots = activeElementSlots(r);
    else if (s.id === 11) dataSegmentCount = r.u32();
    else if (s.id === 7) {
      exportCount = r.u32();
      for (let n = exportCount; n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        if (kind === 3) globalExports.set(name, index);
        if (kind === 0) functionExports.set(name, index);
      }
    } else if (s.id === 10) {
      for (let n = r.u32(); n > 0 && !growsMemory; n--) {
        const size = r.u32();
        const end = r.pos + size;
        growsMemory = bodyGrowsMemory(r, end);
        r.pos = end;
      }
    }
  }
  const exportedGlobals = new Map<string, number>();
  for (const [name, index] of globalExports) {
    const value = globalValues[index];
    if (value !== undefined) exportedGlobals.set(name, value);
  }
  const exportedFunctions = new Map<string, Signature>();
  for (const [name, index] of functionExports) {
    const type = types[functionTypes[index]!];
    if (type) exportedFunctions.set(name, type);
  }
  return {
    memory,
    growsMemory,
    exportedGlobals,
    functionCount: importedFunctions + definedFunctions,
    typeCount: types.length,
    valueTypeCount,
    globalCount: globalValues.length,
    tableCount,
    emptyTableSlots: Math.max(0, tableSlots - filledSlots),
    dataSegmentCount,
    exportCount,
    hasStart,
    auxStackBytes: auxStack(exportedGlobals, mutableI32),
    exportedFunctions,
  };
}

function auxStack(exported: Map<string, number>, candidates: { index: number; value: number }[]): number | undefined {
  const heapBase = exported.get('__heap_base');
  const dataEnd = exported.get('__data_end');
  if (heapBase === undefined || dataEnd === undefined) return undefined;
  const top = candidates.find((g) => g.value >>> 0 <= heapBase >>> 0)?.value;
  if (top === undefined) return undefined;
  return top >>> 0 > dataEnd >>> 0 ? (top >>> 0) - (dataEnd >>> 0) : top >>> 0;
}

/**
 * How many slots of table 0 the active element segments with a constant offset fill (the
 * MVP form, flags 0, and the expression forms 2/4/6 for table 0).
 */
function activeElementSlots(r: Reader): number {
  const filled = new Set<number>();
  for (let n = r.u32(); n > 0; n--) {
    const flags = r.u32();
    const active = (flags & 1) === 0;
    const table = (flags & 3) === 2 ? r.u32() : 0;
    const offset = active ? skipConstExpr(r) : undefined;
    if (flags & 1 || flags & 2) r.byte(); // elemkind or reftype
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      if (flags & 4) skipConstExpr(r);
      else r.u32();
      if (active && table === 0 && offset !== undefined) filled.add(offset + i);
    }
  }
  return filled.size;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * The module with its (defined) memory's maximum set to `maxPages`, so that the engine itself
 * answers memory.grow with -1 beyond what the pool could give, as WAMR does.
 */
export function withMemoryMaximum(bytes: Uint8Array<ArrayBuffer>, maxPages: number): Uint8Array<ArrayBuffer> {
  const section = sections(bytes).find((s) => s.id === 5);
  if (!section) return bytes;
  const r = new Reader(bytes, section.start);
  if (r.u32() !== 1) return bytes;
  const { initial, maximum } = r.limits();
  const limit = Math.max(initial, Math.min(maximum ?? Infinity, maxPages));
  const body = [1, 0x01, ...uleb(initial), ...uleb(limit)];
  const rebuilt = [5, ...uleb(body.length), ...body];
  return new Uint8Array([...bytes.subarray(0, section.headerStart), ...rebuilt, ...bytes.subarray(section.end)]);
}
