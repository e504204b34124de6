import { test } from '@playwright/test';
import type { Capability, FirmwareProfile } from './schema.ts';

/** The annotation a spec carries when its firmware's profile lacks what it tests; the summary reporter reads it. */
export const UNSUPPORTED_ANNOTATION = 'hil-unsupported';

/** The capabilities of `needs` that the profile lacks. */
export function missingCapabilities(profile: FirmwareProfile, needs: Capability[]): Capability[] {
  return needs.filter((c) => !profile.capabilities.includes(c));
}

export function unsupportedText(profile: FirmwareProfile, missing: Capability[]): string {
  return `not supported by ${profile.name}: ${missing.join(', ')}`;
}

/**
 * In a spec: ends the test unrun when the profile lacks a capability it needs. The summary
 * lists it as "not supported by <profile>" — neither passed nor silently skipped.
 */
export function requireCapabilities(profile: FirmwareProfile, ...needs: Capability[]): void {
  const missing = missingCapabilities(profile, needs);
  if (missing.length === 0) return;
  const text = unsupportedText(profile, missing);
  test.info().annotations.push({ type: UNSUPPORTED_ANNOTATION, description: text });
  test.skip(true, text);
}
