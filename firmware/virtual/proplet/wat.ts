/** WebAssembly text to binary with the `wabt` package, for the model's tests. */
import wabtInit from 'wabt';

const wabt = await wabtInit();

export function wat(source: string): Uint8Array<ArrayBuffer> {
  const module = wabt.parseWat('task.wat', source);
  try {
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
