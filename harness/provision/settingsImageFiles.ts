import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import { HilError } from '../errors.ts';
import { hex } from '../flash/manifest.ts';
import { profileByName } from '../profiles/builtin.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { profileSettings, type ImageSettings } from './profileSettings.ts';
import { settingsImage } from './settingsImage.ts';

export interface ImageTarget {
  name: string;
  profile: FirmwareProfile;
  defaults: Partial<Record<'tenant' | 'channel' | 'wifiSsid' | 'wifiPsk' | 'propletId' | 'apiKey', string>>;
}

/** The profile and the config's defaults for `hil provision --settings-image`: no port is opened. */
export async function imageTarget(board: string | undefined, profile: string | undefined, configPath: string): Promise<ImageTarget> {
  if (board === undefined) return { name: 'settings', profile: profileByName(profile ?? 'proplet'), defaults: {} };
  const config = await loadConfig(configPath);
  const found = config.boards.find((b) => b.name === board);
  if (!found) throw new HilError(`no board named "${board}" in ${configPath}`, `boards: ${config.boards.map((b) => b.name).join(', ')}`, 2);
  const proplet = config.propeller.proplets[found.name];
  return {
    name: found.name,
    profile: profileByName(profile ?? found.profile ?? config.firmware.profile ?? 'proplet'),
    defaults: {
      tenant: config.propeller.tenant,
      channel: config.propeller.channel,
      wifiSsid: config.wifi.ssid,
      wifiPsk: config.wifi.psk,
      propletId: proplet?.id,
      apiKey: proplet?.apiKey,
    },
  };
}

export interface WrittenImage {
  image: string;
  /** A flash manifest holding the firmware at 0x0 and the settings at their partition, when a firmware was given. */
  manifest?: string;
  offset: number;
  keys: string[];
}

/**
 * Writes the profile's settings partition image to `out` and, with `firmware`, a manifest next
 * to it that `hil flash` writes in one go. The image holds the API key: it is written
 * owner-only, and only where the user asked.
 */
export function writeSettingsImageFiles(out: string, profile: FirmwareProfile, settings: ImageSettings, firmware?: string): WrittenImage {
  if (!profile.provisioning.includes('settings-image')) {
    throw new HilError(`firmware profile ${profile.name} is not provisioned by settings image`, `it takes: ${profile.provisioning.join(', ')}`, 2);
  }
  if (firmware !== undefined && !existsSync(firmware)) throw new HilError(`firmware image ${firmware} not found`, 'fix the path; npm run fixtures builds the virtual images', 2);
  let entries: [string, string][];
  try {
    entries = profileSettings(profile, settings);
  } catch (err) {
    throw new HilError((err as Error).message, 'drop that option for this firmware', 2);
  }
  const image = settingsImage(entries, profile.settings.storage);
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, image, { mode: 0o600 });
  const offset = profile.settings.storage.offset;
  const written: WrittenImage = { image: path, offset, keys: entries.map(([k]) => k) };
  if (firmware !== undefined) {
    const manifest = join(dirname(path), `${basename(path, extname(path))}.manifest.yaml`);
    const regions = [
      { name: 'app', offset: '0x0', file: relative(dirname(manifest), resolve(firmware)) },
      { name: 'settings', offset: hex(offset), file: basename(path) },
    ];
    writeFileSync(manifest, stringify({ regions }), { mode: 0o600 });
    written.manifest = manifest;
  }
  return written;
}
