import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HilError } from '../errors.ts';
import { chipName, ESP32S3_CHIP_ID, ImageFormatError, inspectImage, isImage, type AppDescriptor, type ImageInfo } from './image.ts';

/**
 * The firmware to flash: regions of bytes at flash offsets. Either one `zephyr.bin` at 0x0
 * (Zephyr simple boot, CONTRACT.md §7) or bootloader + partition table + app. It comes from an
 * image file, a manifest file (ours, or esptool's flasher_args.json) or a build directory.
 */

/** Flash sectors are 4 KiB; the stub erases whole sectors, so regions start on one. */
const SECTOR_BYTES = 0x1000;

const Offset = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^(0x[0-9a-f]+|\d+)$/i, 'an offset like 0x10000')
    .transform((s) => Number(s)),
]);

/** Our manifest: `regions: [{ name?, offset, file }]`, files relative to the manifest. */
const RegionsManifest = z.object({
  regions: z.array(z.object({ name: z.string().min(1).optional(), offset: Offset, file: z.string().min(1) })).min(1),
});

/** esptool's / ESP-IDF's flasher_args.json: `flash_files: { "0x0": "bootloader/bootloader.bin", … }`. */
const FlasherArgs = z.object({ flash_files: z.record(z.string(), z.string().min(1)) });

export interface FlashRegion {
  name: string;
  offset: number;
  path: string;
  data: Uint8Array;
  /** Set when the region is an ESP image (bootloader or app); a partition table is not. */
  image?: ImageInfo;
}

export interface Firmware {
  /** Where the firmware came from, for messages. */
  source: string;
  regions: FlashRegion[];
  /** The application descriptor of the app region, when the image carries one. */
  app?: AppDescriptor;
}

/** CONTRACT.md §2.2: Zephyr NVS settings on the storage partition. */
export const SETTINGS_PARTITION = { offset: 0x3f0000, size: 0x10000 } as const;

export const hex = (n: number): string => `0x${n.toString(16)}`;

function readRegion(name: string, offset: number, path: string): FlashRegion {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new HilError(`image file ${path} not found`, 'build the firmware or fix the path; npm run fixtures builds the virtual images', 2);
  }
  const data = new Uint8Array(readFileSync(path));
  if (data.length === 0) throw new HilError(`image file ${path} is empty`, 'rebuild the firmware', 2);
  // What boots from 0x0 (a bootloader, or Zephyr's simple-boot app) must be an image; data
  // regions elsewhere in a manifest (partition table, settings) need not be.
  if (!isImage(data) && offset === 0) {
    throw new HilError(
      `image file ${path} is not an ESP32-S3 image: it starts with 0x${data[0]!.toString(16).padStart(2, '0')}, an image with 0xe9; nothing was written`,
      'pass the firmware image (zephyr.bin) or a flash manifest',
      2,
    );
  }
  if (!isImage(data)) return { name, offset, path, data };
  let image: ImageInfo;
  try {
    image = inspectImage(data);
  } catch (err) {
    if (err instanceof ImageFormatError) {
      throw new HilError(`image file ${path} cannot be flashed: ${err.message}`, 'rebuild the firmware', 2);
    }
    throw err;
  }
  if (image.chipId !== ESP32S3_CHIP_ID) {
    throw new HilError(
      `image file ${path} is built for ${chipName(image.chipId)}, this bench expects ESP32-S3`,
      'build for esp32s3_devkitc/esp32s3/procpu',
      2,
    );
  }
  return { name, offset, path, data, image };
}

function checkLayout(regions: FlashRegion[], source: string): void {
  const sorted = [...regions].sort((a, b) => a.offset - b.offset);
  for (const [i, region] of sorted.entries()) {
    if (region.offset % SECTOR_BYTES !== 0) {
      throw new HilError(`manifest ${source}: ${region.name} offset ${hex(region.offset)} is not on a 4 KiB sector`, undefined, 2);
    }
    const next = sorted[i + 1];
    if (next && region.offset + region.data.length > next.offset) {
      throw new HilError(
        `manifest ${source}: ${region.name} (${hex(region.offset)}, ${region.data.length} bytes) overlaps ${next.name} at ${hex(next.offset)}`,
        undefined,
        2,
      );
    }
  }
}

function firmware(source: string, regions: FlashRegion[]): Firmware {
  checkLayout(regions, source);
  const app = regions.find((r) => r.image?.app)?.image?.app;
  return { source, regions, ...(app ? { app } : {}) };
}

/** One image at 0x0: Zephyr's simple boot `zephyr.bin`. */
export function firmwareFromImage(path: string): Firmware {
  const full = resolve(path);
  return firmware(path, [readRegion(basename(full, extname(full)), 0, full)]);
}

export function firmwareFromManifest(path: string): Firmware {
  const full = resolve(path);
  if (!existsSync(full)) throw new HilError(`manifest file ${path} not found`, 'fix the path', 2);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(full, 'utf8'));
  } catch (err) {
    throw new HilError(`manifest ${path} is not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`, undefined, 2);
  }
  // Picked by its key rather than a union, so an error points into the manifest, not at its top.
  const isFlasherArgs = typeof raw === 'object' && raw !== null && 'flash_files' in raw;
  const parsed = (isFlasherArgs ? FlasherArgs : RegionsManifest).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HilError(
      `manifest ${path} is invalid at ${issue.path.join('.') || '(top)'}: ${issue.message}`,
      'expected { regions: [{ name, offset, file }] } or esptool flasher_args.json',
      2,
    );
  }
  const dir = dirname(full);
  const entries =
    'regions' in parsed.data
      ? parsed.data.regions.map((r) => ({ name: r.name ?? basename(r.file, extname(r.file)), offset: r.offset, file: r.file }))
      : Object.entries(parsed.data.flash_files).map(([offset, file]) => {
          const n = Offset.safeParse(offset);
          if (!n.success) throw new HilError(`manifest ${path}: flash_files key "${offset}" is not an offset`, undefined, 2);
          return { name: basename(file, extname(file)), offset: n.data, file };
        });
  return firmware(path, entries.map((e) => readRegion(e.name, e.offset, resolve(dir, e.file))));
}

/** A Zephyr build directory (zephyr/zephyr.bin, simple boot) or an ESP-IDF one (flasher_args.json). */
export function firmwareFromBuildDir(dir: string): Firmware {
  const flasherArgs = join(dir, 'flasher_args.json');
  if (existsSync(flasherArgs)) return firmwareFromManifest(flasherArgs);
  for (const candidate of [join(dir, 'zephyr', 'zephyr.bin'), join(dir, 'zephyr.bin')]) {
    if (existsSync(candidate)) return firmwareFromImage(candidate);
  }
  throw new HilError(`build directory ${dir} has no zephyr/zephyr.bin or flasher_args.json`, 'run west build first', 2);
}

/** An image file, a manifest (.json/.yaml/.yml) or a build directory, told apart by what the path is. */
export function loadFirmware(path: string): Firmware {
  if (existsSync(path) && statSync(path).isDirectory()) return firmwareFromBuildDir(path);
  if (/\.(json|ya?ml)$/i.test(path)) return firmwareFromManifest(path);
  return firmwareFromImage(path);
}
