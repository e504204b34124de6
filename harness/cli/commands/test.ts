import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isEphemeralPort } from '../../bench/backends/index.ts';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_LEASE_TIMEOUT_S } from '../../bench/lease.ts';
import { virtualBoardNames } from '../../bench/plan.ts';
import { preflight } from '../../bench/preflight.ts';
import { BoardConfigSchema } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import { DEFAULT_PLACE_WAIT_MS } from '../../labgrid/placeLease.ts';
import { isLabgridPort } from '../../labgrid/target.ts';
import { checkKnownFailures, describeKnownFailures } from '../../report/run/knownFailures.ts';
import { describeUnsupported } from '../../report/run/unsupportedList.ts';
import { loadSummary } from '../../report/run/loadSummary.ts';
import { runDir, runId } from '../../report/run/runDir.ts';
import { runInOwnGroup } from '../../run/runGroup.ts';
import type { Command } from '../command.ts';
import { integerOption } from '../options.ts';

const require = createRequire(import.meta.url);

export const testCommand: Command = {
  name: 'test',
  summary: 'run the HIL suite on the virtual bench (default) or the lab boards',
  usage: `usage: hil test [--virtual | --lab] [--firmware IMAGE|MANIFEST] [--board NAME] [--boards N] [-- <playwright args>]

  --virtual        virtual ESP32-S3 boards started by the run itself (default)
  --lab            the boards of the bench file (--config / HIL_CONFIG / lab.config.yaml)
  --firmware F     an image (flashed at 0x0) or a flash manifest, instead of the config's firmware
  --board NAME     only this board (repeatable)
  --boards N       how many virtual boards (default 2)
  --lease-timeout S
                   how long to wait for a board another run or hil command holds
                   (default ${DEFAULT_LEASE_TIMEOUT_S} s); a line names the holder meanwhile
  --known-failures TAG
                   the firmware has known gaps: succeed only if exactly the tests tagged TAG
                   fail (e.g. @upstream-gap on fixtures/build/upstream.bin)
Reports: reports/html, reports/junit.xml, reports/<run-id>/summary.json.`,
  async run(ctx) {
    const split = ctx.args.indexOf('--');
    const own = split === -1 ? ctx.args : ctx.args.slice(0, split);
    const passThrough = split === -1 ? [] : ctx.args.slice(split + 1);
    const { values } = parseArgs({
      args: own,
      options: {
        virtual: { type: 'boolean' },
        lab: { type: 'boolean' },
        firmware: { type: 'string' },
        board: { type: 'string', multiple: true },
        boards: { type: 'string' },
        'known-failures': { type: 'string' },
        'lease-timeout': { type: 'string' },
      },
    });
    if (values.virtual && values.lab) throw new HilError('--virtual and --lab exclude each other', 'pick one bench', 2);
    const kind = values.lab ? 'lab' : 'virtual';
    // Check the bench file here, so that a mistake is one line and not a runner stack trace.
    const config = await loadConfig(ctx.configPath);
    if (values.firmware && !existsSync(values.firmware)) {
      throw new HilError(`firmware ${values.firmware} does not exist`, values.firmware.includes('fixtures/build') ? 'npm run fixtures builds fixtures/build/*.bin' : undefined, 2);
    }
    integerOption('boards', values.boards, { command: 'test', unit: 'a number of boards' });
    const leaseTimeout = values['lease-timeout'];
    integerOption('lease-timeout', leaseTimeout, { min: 0, command: 'test', unit: 'a whole number of seconds' });
    if (kind === 'lab' && config.boards.every((b) => isEphemeralPort(b.port))) {
      throw new HilError(`${ctx.configPath} has no lab boards (all are virtual)`, 'describe your boards in a bench file and pass it with --config', 2);
    }
    // Setup errors up front, each on its line, before any runner or board starts.
    const boards =
      kind === 'virtual'
        ? virtualBoardNames({ ...process.env, ...(values.boards ? { HIL_VIRTUAL_BOARDS: values.boards } : {}) }).map((name) => BoardConfigSchema.parse({ name, chip: 'esp32s3', port: 'virtual' }))
        : config.boards.filter((b) => !isEphemeralPort(b.port));
    const problems = await preflight({ config, boards, selected: values.board, firmware: values.firmware });
    // A reused run id would mix this run's traces with an earlier run's and read its
    // setup-failed marks as this run's: every test "not run", exit 0.
    if (existsSync(runDir()) && readdirSync(runDir()).length > 0) {
      problems.push(`${runDir()} already holds a run (HIL_RUN_ID=${runId()}): choose another HIL_RUN_ID, or remove the folder`);
    }
    if (problems.length > 0) {
      for (const p of problems) console.error(`hil: ${p}`);
      return 2;
    }
    const projects = values.board?.length ? values.board.map((b) => `${kind}-${b}`) : [`${kind}-*`];
    const env = {
      ...process.env,
      HIL_RUN_ID: runId(),
      HIL_CONFIG: resolve(ctx.configPath),
      ...(values.firmware ? { HIL_FIRMWARE: resolve(values.firmware) } : {}),
      ...(values.boards ? { HIL_VIRTUAL_BOARDS: values.boards } : {}),
      ...(leaseTimeout ? { HIL_LEASE_TIMEOUT_S: leaseTimeout } : {}),
      // The workers' budget for a busy labgrid place (the board fixture's timeout grows by it).
      ...(boards.some((b) => isLabgridPort(b.port)) ? { HIL_PLACE_WAIT_MS: String(config.timeouts.placeWait ?? DEFAULT_PLACE_WAIT_MS) } : {}),
    };
    const cli = require.resolve('@playwright/test/cli');
    const args = ['test', ...projects.map((p) => `--project=${p}`), ...passThrough];
    ctx.log.debug({ args }, 'starting playwright');
    // Its own process group: a signal to hil ends the whole run, and so does hil's death.
    const { code, stoppedBy } = await runInOwnGroup(cli, args, { env });
    if (stoppedBy) return code;
    // Tests the firmware's profile cannot run are listed, never passed over in silence.
    if (existsSync(join(runDir(), 'summary.json'))) {
      const unsupported = describeUnsupported(loadSummary(runDir()));
      if (unsupported) console.log(`\n${unsupported}`);
    }
    const tag = values['known-failures'];
    if (!tag) return code;
    const check = checkKnownFailures(loadSummary(runDir()), tag);
    console.log(`\n${describeKnownFailures(check, tag)}`);
    return check.ok ? 0 : 1;
  },
};
