import { parseArgs } from 'node:util';
import { openBoard, type Board } from '../../bench/board.ts';
import { boardLockName } from '../../bench/boardLock.ts';
import { flashAll } from '../../bench/flashAll.ts';
import { leaseTimeoutMs, waitForLease } from '../../bench/lease.ts';
import { BoardStrategy, type StrategyTimeouts } from '../../bench/strategy.ts';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_FLASH_BAUD, TimeoutsConfigSchema, type LabConfig } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import type { FlashResult, ResetStrategy } from '../../flash/flasher.ts';
import { firmwareFromImage, firmwareFromManifest, hex, loadFirmware, type Firmware } from '../../flash/manifest.ts';
import { TtyProgress } from '../../flash/progress.ts';
import type { Command, CommandContext } from '../command.ts';
import { integerOption } from '../options.ts';
import { defaultTranscript, portTarget, type Target } from '../target.ts';

const USAGE = `usage: hil flash [--board NAME | --port URL] [--force] [--erase-settings] [IMAGE | --manifest FILE]

Flashes the firmware to the bench's boards (all of them, in parallel, unless --board or --port
picks one), verifies it, resets the boards and waits for the new image's boot banner. Regions
the board already holds (same MD5) are skipped.

  IMAGE              a zephyr.bin (flashed at 0x0), a manifest (.json/.yaml) or a build directory
                     (default: firmware.image or firmware.manifest from the config)
  --manifest FILE    regions and offsets: { regions: [{ name, offset, file }] } or flasher_args.json
  --board NAME       only this board from the config
  --port URL         a port not in the config: a device path or rfc2217://host:port
  --reset MODE       with --port: classic | usb-jtag | none (default classic)
  --baud N           with --port: console/ROM baud (default 115200)
  --flash-baud N     with --port: write baud (default 921600, as the bench's boards; falls back
                     to --baud with a warning when the link refuses it)
  --force            write every region even when the board already holds it
  --erase-settings   also erase the settings partition (the board forgets its provisioning)
  --lease-timeout S  how long to wait for a board that another run or command holds (default
                     600, or HIL_LEASE_TIMEOUT_S), with a line naming the holder

exit codes: 0 flashed and booted, 1 a board failed, 2 usage, config or image error`;

function resetOption(value: string | undefined): ResetStrategy {
  if (value === undefined) return 'classic';
  if (value === 'classic' || value === 'usb-jtag' || value === 'none') return value;
  throw new HilError(`--reset expects classic, usb-jtag or none, got "${value}"`, 'run hil flash --help', 2);
}

function firmwareFromConfig(config: LabConfig): Firmware {
  const { image, manifest, expectVersion } = config.firmware;
  const fw = manifest ? firmwareFromManifest(manifest) : firmwareFromImage(image!);
  if (expectVersion && fw.app && fw.app.version !== expectVersion) {
    throw new HilError(
      `${fw.source} is version ${fw.app.version}, but firmware.expectVersion in the config is ${expectVersion}`,
      'rebuild the firmware or update firmware.expectVersion',
      2,
    );
  }
  return fw;
}

function summary(result: FlashResult): string[] {
  const lines = result.regions.map((r) => {
    const what = r.outcome === 'unchanged' ? 'unchanged' : `written and verified, ${Math.round((r.bytesPerSecond ?? 0) / 1024)} KiB/s`;
    return `${result.board}: ${r.name} @${hex(r.offset)} ${r.bytes} B ${what}`;
  });
  const booted = result.booted!;
  const version = booted.version ? ` version ${booted.version}` : '';
  lines.push(`${result.board}: booted Zephyr ${booted.zephyr}${version} (${(result.ms / 1000).toFixed(1)} s)`);
  return lines;
}

export const flashCommand: Command = {
  name: 'flash',
  summary: 'flash, verify and boot the firmware on the bench boards',
  usage: USAGE,
  async run(ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: {
        board: { type: 'string' },
        port: { type: 'string' },
        reset: { type: 'string' },
        baud: { type: 'string' },
        'flash-baud': { type: 'string' },
        manifest: { type: 'string' },
        force: { type: 'boolean', default: false },
        'erase-settings': { type: 'boolean', default: false },
        'lease-timeout': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new HilError(`expected one IMAGE, got ${positionals.length}: ${positionals.join(' ')}`, 'run hil flash --help', 2);
    const image = positionals[0];
    if (image && values.manifest) throw new HilError('give an IMAGE or --manifest, not both', 'run hil flash --help', 2);
    if (values.board && values.port) throw new HilError('give --board or --port, not both', 'run hil flash --help', 2);
    if (!values.port && (values.reset || values.baud || values['flash-baud'])) {
      throw new HilError('--reset, --baud and --flash-baud go with --port; boards from the config use their own settings', undefined, 2);
    }

    // The config is needed for its boards, or for its firmware when none is given here.
    const needConfig = !values.port || (!image && !values.manifest);
    const config = needConfig ? await loadConfig(ctx.configPath) : undefined;
    const fw = image ? loadFirmware(image) : values.manifest ? firmwareFromManifest(values.manifest) : firmwareFromConfig(config!);

    let targets: Target[];
    if (values.port) {
      const int = (name: string, value: string | undefined) => integerOption(name, value, { min: 300, command: 'flash' });
      const baud = int('baud', values.baud);
      // The bench's own fast write baud unless told otherwise; a link that refuses it falls back.
      const flashBaud = int('flash-baud', values['flash-baud']) ?? DEFAULT_FLASH_BAUD;
      targets = [portTarget(values.port, { name: values.port, baud, flashBaud, reset: resetOption(values.reset) })];
    } else if (values.board) {
      const board = config!.boards.find((b) => b.name === values.board);
      if (!board) {
        throw new HilError(`no board named "${values.board}" in ${ctx.configPath}`, `boards: ${config!.boards.map((b) => b.name).join(', ')}`, 2);
      }
      targets = [{ board, config }];
    } else {
      targets = config!.boards.map((board) => ({ board, config }));
    }

    const leaseSeconds = integerOption('lease-timeout', values['lease-timeout'], { min: 0, command: 'flash', unit: 'seconds' });
    const leaseTimeout = leaseSeconds !== undefined ? leaseSeconds * 1000 : leaseTimeoutMs();
    const timeouts: StrategyTimeouts = config?.timeouts ?? TimeoutsConfigSchema.parse({});
    const options = { force: values.force, eraseSettings: values['erase-settings'] };
    const boards: Board[] = [];
    try {
      // Every board is leased first, as a test run leases it, waiting while another run or
      // command holds it, so that a flash never lands in the middle of someone's run and a
      // monitor it takes the port from knows whom to wait for. A virtual board is powered on
      // for the flash and off after it, from the bench's own state: `hil test` then boots what
      // was flashed here.
      for (const { board, config: from } of targets) {
        const lease = await waitForLease(await boardLockName(board, ctx.configPath), {
          purpose: `hil flash, pid ${process.pid}`,
          timeoutMs: leaseTimeout,
          log: ctx.log,
          onWait: (line) => process.stderr.write(`hil: ${board.name}: ${line}\n`),
        });
        const opened = await openBoard(board, {
          ...(from ? { config: from } : {}),
          configPath: ctx.configPath,
          transcriptPath: defaultTranscript('flash', board.name.replace(/[^A-Za-z0-9_.-]+/g, '-')),
          log: ctx.log,
          lease,
        }).catch((err: unknown) => {
          lease.release();
          throw err;
        });
        boards.push(opened);
      }
      const strategies = boards.map((board) => new BoardStrategy(board, { timeouts, log: ctx.log.child({ board: board.name }) }));
      let results: FlashResult[];
      if (strategies.length > 1) {
        results = await flashAll(strategies, fw, options);
      } else {
        // One board on a terminal gets a progress line; several would fight over it.
        const tty = process.stderr.isTTY ? new TtyProgress(boards[0]!.name) : undefined;
        try {
          results = [await strategies[0]!.flash(fw, { ...options, ...(tty ? { progress: tty } : {}) })];
        } catch (err) {
          tty?.interrupted();
          throw err;
        }
      }
      for (const result of results) for (const line of summary(result)) console.log(line);
      return 0;
    } finally {
      for (const board of boards) await board.close();
    }
  },
};
