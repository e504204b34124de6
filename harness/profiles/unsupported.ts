import { test } from '@playwright/test';
import { PROFILES } from './builtin.ts';
import type { Capability, FirmwareProfile } from './schema.ts';

/** The annotation a spec carries when its firmware's profile lacks what it tests; the summary reporter reads it. */
export const UNSUPPORTED_ANNOTATION = 'hil-unsupported';

/** The capabilities of `needs` that the profile lacks. */
export function missingCapabilities(profile: FirmwareProfile, needs: Capability[]): Capability[] {
  return needs.filter((c) => !profile.capabilities.includes(c));
}

export function unsupportedText(profile: FirmwareProfile, missing: string[]): string {
  return `not supported by ${profile.name}: ${missing.join(', ')}`;
}

/** Every profile's host functions: the ones a harness workload may rely on a firmware to provide. */
function knownHostFunctions(): Set<string> {
  return new Set(Object.values(PROFILES).flatMap((p) => p.hostFunctions));
}

/**
 * The host functions a WebAssembly module imports from `env` that some firmware provides but
 * this profile's does not. An import no firmware provides (a test of the unknown-import error)
 * is not counted: every firmware must refuse it.
 */
export function missingHostFunctions(profile: FirmwareProfile, wasm: Uint8Array<ArrayBuffer>): string[] {
  const known = knownHostFunctions();
  return WebAssembly.Module.imports(new WebAssembly.Module(wasm))
    .filter((i) => i.module === 'env' && i.kind === 'function' && known.has(i.name) && !profile.hostFunctions.includes(i.name))
    .map((i) => i.name);
}

function markUnsupported(text: string): void {
  test.info().annotations.push({ type: UNSUPPORTED_ANNOTATION, description: text });
  test.skip(true, text);
}

/**
 * In a spec: ends the test unrun when the profile lacks a capability it needs. The summary
 * lists it as "not supported by <profile>" — neither passed nor silently skipped.
 */
export function requireCapabilities(profile: FirmwareProfile, ...needs: Capability[]): void {
  const missing = missingCapabilities(profile, needs);
  if (missing.length > 0) markUnsupported(unsupportedText(profile, missing));
}

/** In a spec: ends the test unrun, as requireCapabilities, when its module imports host functions the firmware lacks. */
export function requireHostFunctions(profile: FirmwareProfile, wasm: Uint8Array<ArrayBuffer>): void {
  const missing = missingHostFunctions(profile, wasm);
  if (missing.length > 0) markUnsupported(unsupportedText(profile, missing.map((name) => `host function ${name}`)));
}
