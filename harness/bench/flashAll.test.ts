import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pino } from 'pino';
import { TimeoutsConfigSchema } from '../config/schema.ts';
import { firmwareFromImage } from '../flash/manifest.ts';
import { ensureFixtures, fixture, removeState, startBoard } from '../testing/virtualBoard.ts';
import { openBoard, type Board } from './board.ts';
import { flashAll } from './flashAll.ts';
import { BoardStrategy } from './strategy.ts';

const log = pino({ level: 'silent' });

test.beforeAll(() => ensureFixtures());

test('flashAll flashes several boards at once', async () => {
  const boards = await Promise.all([startBoard(), startBoard()]);
  const opened: Board[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hil-flashall-'));
  try {
    for (const [i, b] of boards.entries()) {
      const config = { name: `v${i}`, chip: 'esp32s3' as const, port: b.url, baud: 115200, flashBaud: 921600, reset: 'classic' as const, power: { driver: 'rts' as const }, rfc2217Server: 'auto' as const, taskInputs: 'strings' as const };
      opened.push(await openBoard(config, { configPath: join(dir, 'lab.config.yaml'), transcriptPath: join(dir, `v${i}.log`), log }));
    }
    const strategies = opened.map((board) => new BoardStrategy(board, { timeouts: TimeoutsConfigSchema.parse({}), log }));
    const results = await flashAll(strategies, firmwareFromImage(fixture('proplet.bin')));
    expect(results.map((r) => [r.board, r.regions[0]!.outcome, r.booted?.version])).toEqual([
      ['v0', 'written', '1.0.0'],
      ['v1', 'written', '1.0.0'],
    ]);
    expect(strategies.map((s) => s.state)).toEqual(['flashed', 'flashed']);
  } finally {
    for (const board of opened) await board.close();
    for (const b of boards) {
      await b.stop();
      removeState(b);
    }
  }
});
