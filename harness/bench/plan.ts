import { dirname, join, resolve } from 'node:path';
import { credentialsFor, generatedCredentials } from '../config/credentials.ts';
import { loadConfig } from '../config/load.ts';
import { BoardConfigSchema, type BoardConfig, type LabConfig, type PropletCredentials } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { loadFirmware, type Firmware } from '../flash/manifest.ts';
import { virtualBoardNames } from '../playwright/projects.ts';

export type BenchKind = 'virtual' | 'lab';

/** Everything a run decides before it touches a board: the bench file, the boards, the firmware. */
export interface BenchPlan {
  kind: BenchKind;
  configPath: string;
  config: LabConfig;
  boards: BoardConfig[];
  firmware: Firmware;
  /** The version the boards must report at boot: the flashed image's own. */
  expectVersion: string;
}

/** Where virtual boards keep their flash between runs, so an unchanged image is not rewritten. */
export function virtualStateDir(configPath: string, board: string): string {
  return join(dirname(resolve(configPath)), '.hil', 'virtual', board);
}

/**
 * Reads the bench for a run. The virtual bench takes broker, Propeller and timeout settings
 * from the bench file but its boards are the run's own (v0, v1, …); the lab bench is the
 * file's non-virtual boards. HIL_FIRMWARE (hil test --firmware) replaces the file's firmware.
 */
export async function planBench(kind: BenchKind, env = process.env): Promise<BenchPlan> {
  const configPath = env.HIL_CONFIG ?? 'lab.config.yaml';
  const config = await loadConfig(configPath, env);
  const boards =
    kind === 'virtual'
      ? virtualBoardNames(env).map((name) => BoardConfigSchema.parse({ name, chip: 'esp32s3', port: 'virtual' }))
      : config.boards.filter((b) => b.port !== 'virtual');
  const override = env.HIL_FIRMWARE;
  const firmwarePath = override ?? config.firmware.image ?? config.firmware.manifest!;
  const firmware = loadFirmware(firmwarePath);
  const imageVersion = firmware.app?.version;
  if (!override && config.firmware.expectVersion && imageVersion && config.firmware.expectVersion !== imageVersion) {
    throw new HilError(
      `${configPath}: firmware.expectVersion: expected ${config.firmware.expectVersion}; the image ${firmwarePath} is version ${imageVersion}`,
      'rebuild the image or update expectVersion',
      2,
    );
  }
  const expectVersion = (override ? imageVersion : config.firmware.expectVersion ?? imageVersion) ?? 'unknown';
  return { kind, configPath, config, boards, firmware, expectVersion };
}

/** A board's proplet id and API key: the bench file's, or generated for a virtual board. */
export function boardCredentials(plan: BenchPlan, board: BoardConfig): PropletCredentials {
  return board.port === 'virtual'
    ? plan.config.propeller.proplets[board.name] ?? generatedCredentials(plan.configPath, board.name)
    : credentialsFor(plan.config, board.name);
}
