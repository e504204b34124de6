import { loadConfig } from '../config/load.ts';
import { BoardConfigSchema, type BoardConfig, type LabConfig, type PropletCredentials } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import { loadFirmware, type Firmware } from '../flash/manifest.ts';
import { log } from '../log.ts';
import { profileByName, profileForProjectName } from '../profiles/builtin.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { backendFor, isEphemeralPort } from './backends/index.ts';

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

/** How many virtual boards the virtual bench starts (HIL_VIRTUAL_BOARDS, default 2). */
function virtualBoardCount(env = process.env): number {
  const n = Number(env.HIL_VIRTUAL_BOARDS ?? 2);
  return Number.isInteger(n) && n >= 1 ? n : 2;
}

/** The names of the virtual boards a virtual run starts: v0, v1, … */
export function virtualBoardNames(env = process.env): string[] {
  return Array.from({ length: virtualBoardCount(env) }, (_, i) => `v${i}`);
}

/** The boards of each bench: the run's own virtual ones, or the bench file's boards that are not. */
const BENCH_BOARDS: Record<BenchKind, (config: LabConfig, env: NodeJS.ProcessEnv) => BoardConfig[]> = {
  virtual: (_config, env) => virtualBoardNames(env).map((name) => BoardConfigSchema.parse({ name, chip: 'esp32s3', port: 'virtual' })),
  lab: (config) => config.boards.filter((b) => !isEphemeralPort(b.port)),
};

/**
 * Reads the bench for a run. The virtual bench takes broker, Propeller and timeout settings
 * from the bench file but its boards are the run's own (v0, v1, …); the lab bench is the
 * file's non-virtual boards. HIL_FIRMWARE (hil test --firmware) replaces the file's firmware.
 */
export async function planBench(kind: BenchKind, env = process.env): Promise<BenchPlan> {
  const configPath = env.HIL_CONFIG ?? 'lab.config.yaml';
  const config = await loadConfig(configPath, env);
  const boards = BENCH_BOARDS[kind](config, env);
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

/** A board's proplet id and API key, before the board is opened (the broker needs them first). */
export function boardCredentials(plan: BenchPlan, board: BoardConfig): PropletCredentials {
  return backendFor({ board, configPath: plan.configPath, lab: plan.config, log: log() }).credentials(plan.config);
}

/**
 * How a board's firmware speaks: the board's own `profile:`, else the bench file's
 * `firmware.profile`, else the profile whose project name the flashed image's application
 * descriptor carries (`proplet_mqtt_client` is upstream's), else `proplet`.
 */
export function profileFor(plan: BenchPlan, board: BoardConfig): FirmwareProfile {
  const named = board.profile ?? plan.config.firmware.profile;
  if (named) return profileByName(named);
  const projectName = plan.firmware.app?.projectName;
  return (projectName && profileForProjectName(projectName)) || profileByName('proplet');
}

/** How the suite's manager writes task inputs for a board: the board's choice, else what its firmware takes. */
export function taskInputsFor(plan: BenchPlan, board: BoardConfig): 'strings' | 'numbers' {
  return board.taskInputs ?? (profileFor(plan, board).capabilities.includes('string-inputs') ? 'strings' : 'numbers');
}
