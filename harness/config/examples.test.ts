import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { loadConfig } from './load.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../docs/examples');

// The documented benches must stay valid as the schema moves on.
for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
  test(`docs/examples/${file} is a valid bench`, async () => {
    const env = new Proxy({} as NodeJS.ProcessEnv, { get: (_, key) => `value-of-${String(key)}` });
    const config = await loadConfig(join(EXAMPLES, file), env);
    expect(config.boards.length).toBeGreaterThan(1);
    for (const board of config.boards) expect(config.propeller.proplets[board.name], board.name).toBeDefined();
  });
}
