import { z } from 'zod';
import type { Console } from '../console/console.ts';
import type { LogEventOf } from '../console/events.ts';
import { HilError } from '../errors.ts';
import { profileByName } from '../profiles/builtin.ts';

/** What a proplet needs to reach its manager (CONTRACT.md §2.2); the names are the CLI's. */
export const ProvisionSettings = z.object({
  brokerHost: z.string().min(1),
  brokerPort: z.coerce.number().int().min(1).max(65535),
  propletId: z.string().min(1),
  apiKey: z.string().min(1),
  tenant: z.string().min(1),
  channel: z.string().min(1),
  wifiSsid: z.string().optional(),
  wifiPsk: z.string().optional(),
  /** Ours, for tests that cannot wait for the defaults (CONTRACT.md §1). */
  keepAliveS: z.coerce.number().int().positive().optional(),
  aliveS: z.coerce.number().int().positive().optional(),
  taskTimeoutMs: z.coerce.number().int().positive().optional(),
});
export type ProvisionSettings = z.input<typeof ProvisionSettings>;

/**
 * Our firmware's keys under `proplet/` (CONTRACT.md §2.2), in the order they are written: the
 * `proplet` profile's, as it is the firmware with a settings shell.
 */
const SHELL_KEYS = profileByName('proplet').settings.keys;

/** The firmware's setting keys and values, in the order they are written; unset ones are left out. */
export function settingKeys(input: ProvisionSettings): [string, string][] {
  const s: Record<string, string | number | undefined> = ProvisionSettings.parse(input);
  return Object.entries(SHELL_KEYS)
    .map(([name, key]): [string | undefined, string | number | undefined] => [key, s[name]])
    .filter((e): e is [string, string | number] => e[0] !== undefined && e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => [k, String(v)]);
}

/** One shell argument as Zephyr's shell splits them: quoted when it holds a space, quote or backslash. */
export function shellArg(value: string): string {
  if (value !== '' && !/[\s"\\]/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ProvisionOptions {
  /** For each step: a command to its prompt, the reboot to its boot event. */
  timeout: number;
}

/**
 * Runs one shell command and returns what it printed (its own lines, not the echo and not log
 * lines that happened to come in between), once the next prompt shows. The shell echoes the
 * command; only a prompt after that echo counts, so a prompt that was already on its way (the
 * one a boot prints once its settings are read, say) is never taken for this command's.
 */
async function command(console: Console, line: string, timeout: number): Promise<string[]> {
  const since = console.mark();
  await console.send(line);
  // A long command comes back over several console lines (the parser cuts lines at 4 KiB): the
  // last of them ends the echo.
  const echoed = (text: string) => text !== '' && (text.endsWith(line) || line.endsWith(text));
  const echo = line === '' ? undefined : await console.expect((e) => e.kind === 'line' && echoed(e.text), { since, timeout });
  const after = echo?.seq ?? -1;
  const prompt = await console.waitFor('shell.prompt', { since, timeout, where: (p) => p.seq > after });
  const output = console.events.slice(since).filter((e) => e.seq > after && e.seq < prompt.seq);
  const logLines = new Set(output.filter((e) => e.kind === 'zephyr.log').map((e) => e.seq));
  return output
    .filter((e): e is LogEventOf<'line'> => e.kind === 'line' && !logLines.has(e.seq))
    .map((e) => e.text)
    .filter((text) => !text.startsWith('uart:~$'));
}

function failure(lines: string[], what: RegExp): string | undefined {
  return lines.find((l) => what.test(l));
}

/**
 * Writes a proplet's settings over its console (Zephyr's settings shell), reads each back, and
 * reboots the board so the firmware starts with them. Resolves with the `boot` event of the
 * new boot.
 */
export async function provision(console: Console, settings: ProvisionSettings, { timeout }: ProvisionOptions): Promise<LogEventOf<'boot'>> {
  const keys = settingKeys(settings);
  // The shell echoes what is typed, and a read-back prints it: the secrets go masked into files.
  for (const secret of [settings.apiKey, settings.wifiPsk]) if (secret) console.secrets.add(secret, shellArg(secret));
  // An empty line makes the shell print a prompt: proof that the shell, not the ROM or a boot, is listening.
  await command(console, '', timeout).catch((err: unknown) => {
    throw new HilError(
      `${console.name}: no shell prompt on the console`,
      `is the proplet firmware running (hil monitor ${console.name})? ${(err as Error).message.split('\n')[0]}`,
    );
  });
  for (const [key, value] of keys) {
    const out = await command(console, `settings write string proplet/${key} ${shellArg(value)}`, timeout);
    const failed = failure(out, /Failed to write setting/);
    if (failed) throw new HilError(`${console.name}: writing proplet/${key} failed: ${failed}`, 'check the value; the settings partition may be full or damaged (hil flash --erase-settings)');
  }
  for (const [key, value] of keys) {
    const out = await command(console, `settings read string proplet/${key}`, timeout);
    const failed = failure(out, /Failed to read setting/);
    if (failed) throw new HilError(`${console.name}: proplet/${key} did not stick: ${failed}`, 'the firmware may not persist settings; check its settings backend');
    if (out.at(-1) !== value) {
      throw new HilError(
        `${console.name}: proplet/${key} reads back ${console.secrets.text(JSON.stringify(out.at(-1) ?? ''))}, expected ${console.secrets.text(JSON.stringify(value))}; last lines:\n${console.tail(8).map((l) => `  | ${l}`).join('\n')}`,
        'a value with unusual characters may need another quoting',
      );
    }
  }
  const since = console.mark();
  await console.send('kernel reboot cold');
  return console.waitFor('boot', { since, timeout }).catch((err: unknown) => {
    throw new HilError(`${console.name}: settings written, but no boot after kernel reboot cold`, (err as Error).message.split('\n')[0]);
  });
}
