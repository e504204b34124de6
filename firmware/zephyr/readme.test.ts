import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

// README.md's tables are the traceability from the design notes to the code: every file
// they name must exist, and every design note must name at least one, so the map cannot
// silently rot when files move.
const here = dirname(fileURLToPath(import.meta.url));

/** Backticked names of this folder's files: `src/a.c`, `src/b.{c,h}`, `prj.conf`, `../x.ts`. */
function namedFiles(cell: string): string[] {
  const ours = /^(?:src\/|modules\/|boards\/|tests\/|\.\.\/)|^(?:CMakeLists\.txt|west\.yml|prj\.conf|VERSION|host\.test\.ts)$/;
  return [...cell.matchAll(/`([^`]+)`/g)]
    .map((m) => m[1])
    .filter((name) => ours.test(name))
    .flatMap((name) => {
      const alternatives = /^(.*)\{([^}]+)\}(.*)$/.exec(name);
      return alternatives ? alternatives[2].split(',').map((alt) => `${alternatives[1]}${alt}${alternatives[3]}`) : [name];
    });
}

async function tableRows(heading: string): Promise<string[][]> {
  const text = await readFile(join(here, 'README.md'), 'utf8');
  const start = text.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, '')));
}

test('every file the README layout table names exists', async () => {
  const rows = await tableRows('Layout');
  const named = rows.flatMap((cells) => namedFiles(cells[0]));
  expect(named.length).toBeGreaterThan(10);
  const missing = named.filter((name) => !existsSync(join(here, name)));
  expect(missing, `README.md names files that do not exist: ${missing.join(', ')}`).toEqual([]);
});

test('every design note maps to files that exist', async () => {
  const rows = await tableRows('Design notes → implementation');
  expect(rows.length).toBeGreaterThan(30);
  const problems = rows.flatMap(([note, implemented]) => {
    const files = namedFiles(implemented ?? '');
    if (files.length === 0) return [`"${note}" names no file`];
    return files.filter((f) => !existsSync(join(here, f))).map((f) => `"${note}": ${f} does not exist`);
  });
  expect(problems, `README.md design-notes table:\n${problems.join('\n')}`).toEqual([]);
});
