import type { FlashRegion } from '../flash/manifest.ts';
import type { FirmwareProfile } from '../profiles/schema.ts';
import { profileSettings, type ImageSettings } from './profileSettings.ts';
import { settingsImage } from './settingsImage.ts';

/**
 * A board's settings as one more flash region: the profile's settings partition image, to be
 * written together with the firmware, so that a firmware without a shell boots provisioned.
 * The image holds the API key; it lives in memory only.
 */
export function settingsRegion(profile: FirmwareProfile, settings: ImageSettings): FlashRegion {
  const data = settingsImage(profileSettings(profile, settings), profile.settings.storage);
  return { name: 'settings', offset: profile.settings.storage.offset, path: `(${profile.name} settings image)`, data: new Uint8Array(data) };
}
