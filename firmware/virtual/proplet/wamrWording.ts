/**
 * What Node's engine says, in WAMR's words (CONTRACT.md §4.2): the harness and the manager
 * see the same error text from a virtual board as from the chip.
 */

/** V8's CompileError text without its API prefix and byte offset. */
function engineReason(err: Error): string {
  return err.message.replace(/^WebAssembly\.\w+\(\): /, '').replace(/ @\+\d+$/, '');
}

/** V8's reason → WAMR's loader text; `$1`… take V8's captured words. */
const LOAD_REASONS: [RegExp, string][] = [
  [/expected magic word|BufferSource argument is empty/, 'magic header not detected'],
  [/expected version/, 'unknown binary version'],
  // A module cut short: WAMR's reader runs out of bytes and says only this.
  [/extends past end|expected section length|expected \d+ bytes|beyond end|length \d+, remaining/i, 'unexpected end'],
  [/unknown section code|section .*out of order|unexpected section/i, 'invalid section id'],
  [/Compiling function .* failed: expected \d+ elements on the stack/, 'type mismatch: stack size does not match block type'],
  [/Compiling function .* failed: type error in \S+ \(expected (\w+), got (\w+)\)/, 'type mismatch: expect $1 but got $2'],
  [/Compiling function .* failed/, 'type mismatch'],
];

export function loadFailed(err: Error): string {
  const reason = engineReason(err);
  const found = LOAD_REASONS.find(([pattern]) => pattern.test(reason));
  return `WASM module load failed: ${found ? reason.match(found[0])![0].replace(found[0], found[1]) : reason}`;
}

const TRAP_REASONS: [RegExp, string][] = [
  [/Maximum call stack size exceeded/, 'wasm operand stack overflow'],
  [/unreachable/, 'unreachable'],
  [/divide by zero|remainder by zero/, 'integer divide by zero'],
  // V8 says this of a NaN and of a value out of range alike; WAMR says `invalid conversion to
  // integer` of a NaN and `integer overflow` of the rest. The measured case is the NaN.
  [/float unrepresentable/, 'invalid conversion to integer'],
  [/integer overflow|unrepresentable/, 'integer overflow'],
  [/table index is out of bounds/, 'undefined element'],
  [/out of bounds/, 'out of bounds memory access'],
];

/**
 * `tableHasEmptySlots`: V8 gives one text for a call through an empty table slot and for a
 * signature mismatch; WAMR says `uninitialized element` of the first. The model takes an
 * empty slot for the cause whenever the module's table has one.
 */
export function trapMessage(err: Error, tableHasEmptySlots = false): string {
  if (err.message.startsWith('Exception: ')) return err.message;
  if (/signature mismatch|null function/.test(err.message)) {
    return `Exception: ${tableHasEmptySlots ? 'uninitialized element' : 'indirect call type mismatch'}`;
  }
  const mapped = TRAP_REASONS.find(([pattern]) => pattern.test(err.message))?.[1];
  return `Exception: ${mapped ?? err.message}`;
}
