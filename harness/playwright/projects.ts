import { existsSync, readFileSync } from 'node:fs';
import type { Project } from '@playwright/test';
import { parse } from 'yaml';
import type { BoardOptions } from './options.ts';

/** How many virtual boards the virtual project starts (HIL_VIRTUAL_BOARDS, default 2). */
export function virtualBoardCount(env = process.env): number {
  const n = Number(env.HIL_VIRTUAL_BOARDS ?? 2);
  return Number.isInteger(n) && n >= 1 ? n : 2;
}

/** The names of the virtual boards a virtual run starts: v0, v1, … */
export function virtualBoardNames(env = process.env): string[] {
  return Array.from({ length: virtualBoardCount(env) }, (_, i) => `v${i}`);
}

/**
 * The board names of the lab bench, read leniently: playwright.config.ts must load even when
 * the bench file is broken, so that the board fixture can report the config error itself
 * (once, as one line) instead of the runner crashing on it.
 */
function labBoardNames(configPath: string): string[] {
  if (!existsSync(configPath)) return [];
  try {
    const doc = parse(readFileSync(configPath, 'utf8')) as { boards?: { name?: unknown; port?: unknown }[] };
    return (doc.boards ?? []).filter((b) => b.port !== 'virtual').map((b) => String(b.name));
  } catch {
    return [];
  }
}

/**
 * The suite runs on every board: one project per board (`virtual-v0`, `lab-devkit-a`, …), each
 * with one worker, so a board runs one test at a time and the boards run side by side. The
 * board is a worker-scoped fixture option; `--project='virtual-*'` selects the virtual bench.
 */
export function suiteProjects(base: Pick<Project, 'testDir' | 'testMatch' | 'timeout'>, env = process.env): Project<object, BoardOptions>[] {
  const configPath = env.HIL_CONFIG ?? 'lab.config.yaml';
  const project = (kind: 'virtual' | 'lab', board: string, timeout: number): Project<object, BoardOptions> => ({
    ...base,
    name: `${kind}-${board}`,
    workers: 1,
    timeout,
    use: { benchKind: kind, boardName: board },
  });
  return [
    ...virtualBoardNames(env).map((b) => project('virtual', b, base.timeout ?? 120_000)),
    ...labBoardNames(configPath).map((b) => project('lab', b, (base.timeout ?? 120_000) * 2)),
  ];
}
