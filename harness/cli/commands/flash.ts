import { parseArgs } from 'node:util';
import { boardLockName } from '../../bench/boardLock.ts';
import { acquireLease, type Lease } from '../../bench/lease.ts';
import { virtualStateDir } from '../../bench/plan.ts';
import { VirtualBoard } from '../../bench/virtualBoards.ts';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_FLASH_BAUD, type BoardConfig, type LabConfig } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import { flashAll } from '../../flash/flashAll.ts';
import { flashBoard, type FlashOptions, type FlashResult, type FlashTarget, type ResetStrategy } from '../../flash/flasher.ts';
import { firmwareFromImage, firmwareFromManifest, hex, loadFirmware, type Firmware } from '../../flash/manifest.ts';
import { TtyProgress } from '../../flash/progress.ts';
import type { Logger } from '../../log.ts';
import { matchPorts, openTransport } from '../../transport/open.ts';
import { listPorts } from '../../transport/discovery.ts';
import { parsePortSpec } from '../../transport/portSpec.ts';
import type { Transport } from '../../transport/transport.ts';
import type { SerialPortInfo } from '../../transport/webSerial.ts';
import type { Command, CommandContext } from '../command.ts';

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

exit codes: 0 flashed and booted, 1 a board failed, 2 usage, config or image error`;

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new HilError(`--${name} expects a number, got "${value}"`, 'run hil flash --help', 2);
  return Number(value);
}

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

type BoardPort = Pick<BoardConfig, 'name' | 'port' | 'baud' | 'flashBaud' | 'reset'> & Partial<Pick<BoardConfig, 'rfc2217Server'>>;

interface OpenedPort {
  transport: Transport;
  usb?: SerialPortInfo;
  release(): Promise<void>;
}

/** USB ids of a local port, which esptool-js reads as Web Serial's getInfo() (USB-Serial/JTAG or not). */
async function usbIds(port: string): Promise<SerialPortInfo | undefined> {
  const spec = parsePortSpec(port);
  if (spec.kind === 'rfc2217' || spec.kind === 'virtual') return undefined;
  const info = matchPorts(spec, await listPorts().catch(() => []))[0];
  if (!info?.vendorId || !info.productId) return undefined;
  return { usbVendorId: parseInt(info.vendorId, 16), usbProductId: parseInt(info.productId, 16) };
}

/**
 * Opens a board's port. A board from the config is leased first, as a test run leases it, so
 * that a flash never lands in the middle of someone's run. A `port: virtual` board is powered
 * on for the flash and off after it, from the bench's own state directory: `hil test` then
 * boots what was flashed here, and finds it unchanged.
 */
async function openBoardPort(board: BoardPort, fromConfig: string | undefined, log: Logger): Promise<OpenedPort> {
  const lease: Lease | undefined = fromConfig ? acquireLease(boardLockName(board, fromConfig), { purpose: `hil flash, pid ${process.pid}`, log }) : undefined;
  let virtual: VirtualBoard | undefined;
  try {
    if (board.port === 'virtual') virtual = await VirtualBoard.start({ stateDir: virtualStateDir(fromConfig!, board.name) }, log);
    const transport = await openTransport(virtual?.url ?? board.port, { baud: board.baud, log, ...(board.rfc2217Server ? { rfc2217Server: board.rfc2217Server } : {}) });
    const usb = virtual ? undefined : await usbIds(board.port);
    return {
      transport,
      ...(usb ? { usb } : {}),
      release: async () => {
        await transport.close();
        await virtual?.stop();
        lease?.release();
      },
    };
  } catch (err) {
    await virtual?.stop();
    lease?.release();
    throw err;
  }
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

    let boards: BoardPort[];
    if (values.port) {
      const baud = integerOption('baud', values.baud) ?? 115200;
      // The bench's own fast write baud unless told otherwise; a link that refuses it falls back.
      const flashBaud = integerOption('flash-baud', values['flash-baud']) ?? DEFAULT_FLASH_BAUD;
      boards = [{ name: values.port, port: values.port, baud, flashBaud, reset: resetOption(values.reset) }];
    } else if (values.board) {
      const board = config!.boards.find((b) => b.name === values.board);
      if (!board) {
        throw new HilError(`no board named "${values.board}" in ${ctx.configPath}`, `boards: ${config!.boards.map((b) => b.name).join(', ')}`, 2);
      }
      boards = [board];
    } else {
      boards = config!.boards;
    }

    const options: FlashOptions = {
      force: values.force,
      eraseSettings: values['erase-settings'],
      ...(config ? { bootTimeoutMs: config.timeouts.boot } : {}),
    };
    const ports: OpenedPort[] = [];
    try {
      const fromConfig = values.port ? undefined : ctx.configPath;
      for (const board of boards) ports.push(await openBoardPort(board, fromConfig, ctx.log.child({ board: board.name })));
      const targets: FlashTarget[] = boards.map((board, i) => ({
        name: board.name,
        transport: ports[i]!.transport,
        reset: board.reset,
        baud: board.baud,
        flashBaud: board.flashBaud,
        ...(ports[i]!.usb ? { usb: ports[i]!.usb } : {}),
        log: ctx.log.child({ board: board.name }),
      }));
      let results: FlashResult[];
      if (targets.length > 1) {
        results = await flashAll(targets, fw, options);
      } else {
        // One board on a terminal gets a progress line; several would fight over it.
        const tty = process.stderr.isTTY ? new TtyProgress(targets[0]!.name) : undefined;
        try {
          results = [await flashBoard(targets[0]!, fw, { ...options, ...(tty ? { progress: tty } : {}) })];
        } catch (err) {
          tty?.interrupted();
          throw err;
        }
      }
      for (const result of results) for (const line of summary(result)) console.log(line);
      return 0;
    } finally {
      for (const port of ports) await port.release();
    }
  },
};
