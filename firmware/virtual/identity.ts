/**
 * What makes one virtual board different from another, fixed on its first power-on and kept
 * in its state directory: the factory MAC (eFuse) and the USB serial number of its bridge.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const IdentitySchema = z.object({
  mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
  usbSerial: z.string().min(1),
});

export type Identity = z.infer<typeof IdentitySchema>;

/** Espressif's OUI, so the MAC looks like any ESP32-S3's. */
const ESPRESSIF_OUI = [0xf4, 0x12, 0xfa];

function fresh(): Identity {
  const mac = Buffer.concat([Buffer.from(ESPRESSIF_OUI), randomBytes(3)]);
  return {
    mac: [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':'),
    usbSerial: randomBytes(4).toString('hex').toUpperCase(),
  };
}

/** Reads identity.json, creating it once (atomically: a power cut never leaves half a file). */
export function loadIdentity(path: string): Identity {
  if (existsSync(path)) return IdentitySchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const identity = fresh();
  writeFileSync(`${path}.new`, `${JSON.stringify(identity, null, 2)}\n`, { flush: true });
  renameSync(`${path}.new`, path);
  return identity;
}

export function macBytes(identity: Identity): Buffer {
  return Buffer.from(identity.mac.split(':').map((h) => parseInt(h, 16)));
}
