import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

// The error texts the C firmware composes itself (src/core/task_errors.h) must be the
// contract's (CONTRACT.md §4) and the virtual model's, word for word: a manager or a spec
// sees the same text from either board.
const firmwareDir = dirname(fileURLToPath(import.meta.url));

/** Texts the virtual board has no cause to produce, and why. */
const C_ONLY: Record<string, string> = {
  ERR_THREAD_ENV: "Node's worker threads need no per-thread WAMR environment",
};

async function virtualSources(): Promise<string> {
  const dir = join(firmwareDir, 'virtual');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'));
  return (await Promise.all(files.map((e) => readFile(join(e.parentPath, e.name), 'utf8')))).join('\n');
}

test('every error text the C firmware composes is in CONTRACT.md §4 and in the virtual model', async () => {
  const header = await readFile(join(firmwareDir, 'zephyr/src/core/task_errors.h'), 'utf8');
  const contract = await readFile(join(firmwareDir, 'CONTRACT.md'), 'utf8');
  const section = contract.slice(contract.indexOf('## 4. Tasks'), contract.indexOf('## 5. '));
  const model = await virtualSources();
  const texts = [...header.matchAll(/^#define (ERR_\w+) "([^"]*)"/gm)].map((m) => ({ name: m[1]!, text: m[2]! }));
  expect(texts.map((t) => t.name)).toEqual(expect.arrayContaining(['ERR_START_FUNCTION', 'ERR_MAIN_RESULT_TYPE', 'ERR_EXEC_ENV']));
  for (const { name, text } of texts) {
    // Up to the first printf conversion: the contract writes `<n>` where C writes `%u`.
    expect(section, `${name} "${text}" in CONTRACT.md §4`).toContain(text.split('%')[0]!);
    if (name in C_ONLY) continue;
    // The model composes with template literals, and `invalid task: ` in one place: each
    // fixed piece between conversions must be there.
    for (const piece of text.replace(/^invalid task: /, '').split(/%[su]/)) {
      if (piece.trim() !== '') expect(model, `${name} "${text}" in firmware/virtual`).toContain(piece.trim());
    }
  }
});
