/**
 * WAMR's error texts (docs/protocol.md, WAMR; CONTRACT.md §4.2), wherever they appear in a line: alone,
 * or as the `error=` of a `Task failed` line.
 */
export interface WamrError {
  stage: 'load' | 'instantiate' | 'exception';
  text: string;
}

const WAMR = /(?:^|[\s=])((WASM module load failed|WASM module instantiate failed|Exception): .*)$/;
const STAGES = { 'WASM module load failed': 'load', 'WASM module instantiate failed': 'instantiate', Exception: 'exception' } as const;

export function parseWamrError(text: string): WamrError | undefined {
  const m = WAMR.exec(text);
  if (!m) return undefined;
  return { stage: STAGES[m[2] as keyof typeof STAGES], text: m[1]! };
}
