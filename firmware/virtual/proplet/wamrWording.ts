/**
 * What Node's engine says, in WAMR's words (CONTRACT.md §4.2): the harness and the manager
 * see the same error text from a virtual board as from the chip.
 */

/** V8's CompileError text without its API prefix and byte offset. */
function engineReason(err: Error): string {
  return err.message.replace(/^WebAssembly\.\w+\(\): /, '').replace(/ @\+\d+$/, '');
}

const LOAD_REASONS: [RegExp, string][] = [
  [/expected magic word|BufferSource argument is empty/, 'magic header not detected'],
  [/expected version/, 'unknown binary version'],
  [/extends past end|expected \d+ bytes|beyond end|length \d+, remaining/i, 'unexpected end of section or function'],
  [/unknown section code|section .*out of order|unexpected section/i, 'invalid section id'],
  [/Compiling function .* failed/, 'type mismatch'],
];

export function loadFailed(err: Error): string {
  const reason = engineReason(err);
  const mapped = LOAD_REASONS.find(([pattern]) => pattern.test(reason))?.[1];
  return `WASM module load failed: ${mapped ?? reason}`;
}

const TRAP_REASONS: [RegExp, string][] = [
  [/Maximum call stack size exceeded/, 'wasm operand stack overflow'],
  [/unreachable/, 'unreachable'],
  [/divide by zero|remainder by zero/, 'integer divide by zero'],
  [/integer overflow|unrepresentable/, 'integer overflow'],
  [/table index is out of bounds/, 'undefined element'],
  [/out of bounds/, 'out of bounds memory access'],
  [/signature mismatch|null function/, 'indirect call type mismatch'],
];

export function trapMessage(err: Error): string {
  if (err.message.startsWith('Exception: ')) return err.message;
  const mapped = TRAP_REASONS.find(([pattern]) => pattern.test(err.message))?.[1];
  return `Exception: ${mapped ?? err.message}`;
}
