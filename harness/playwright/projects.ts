import { existsSync, readFileSync } from 'node:fs';
import type { Project } from '@playwright/test';
import { parse } from 'yaml';
import { isEphemeralPort } from '../bench/backends/index.ts';
import { virtualBoardNames } from '../bench/plan.ts';
import type { BoardOptions } from './options.ts';

/** A port that does not parse still makes a lab project, whose fixture reports the error. */
function runStarted(port: string): boolean {
  try {
    return isEphemeralPort(port);
  } catch {
    return false;
  }
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
    return (doc.boards ?? []).filter((b) => !runStarted(String(b.port))).map((b) => String(b.name));
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
