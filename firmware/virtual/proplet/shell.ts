import type { ZephyrConsole } from './console.ts';
import type { SettingsStore } from './settingsStore.ts';

/** Zephyr's errno values as its settings shell prints them. */
const ENOENT = -2;
const EINVAL = -22;
const ENOSPC = -28;

/** Splits a command line like Zephyr's shell: spaces separate, double quotes group, `\` escapes. */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current = (current ?? '') + line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current ??= '';
    } else if (c === ' ' && !quoted) {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) args.push(current);
  return args;
}

/**
 * The part of Zephyr's shell the firmware enables (CONTRACT.md §2.2): the settings shell over
 * the board's settings store and `kernel reboot cold`. Typed characters are echoed, as
 * Zephyr's shell does; a line ends at CR or LF (CR LF counts once).
 */
export class Shell {
  private line: number[] = [];
  private lastWasCr = false;

  constructor(
    private readonly console: ZephyrConsole,
    private readonly store: SettingsStore,
    private readonly reboot: () => void,
  ) {}

  input(data: Buffer): void {
    for (const byte of data) {
      if (byte === 0x0a && this.lastWasCr) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = byte === 0x0d;
      if (byte === 0x0d || byte === 0x0a) {
        // Bytes, decoded at the end of the line: a value may be UTF-8 (an SSID, say).
        const line = Buffer.from(this.line).toString('utf8');
        this.line = [];
        this.console.write('\r\n');
        if (!this.execute(line.trim())) return;
        this.console.prompt();
      } else if (byte === 0x7f || byte === 0x08) {
        if (this.line.length > 0) {
          this.line.pop();
          this.console.write('\b \b');
        }
      } else if (byte >= 0x20) {
        this.line.push(byte);
        this.console.write(Buffer.from([byte]));
      }
    }
  }

  /** Runs one command; false when the board is going down and no prompt should follow. */
  private execute(line: string): boolean {
    const argv = splitArgs(line);
    if (argv.length === 0) return true;
    const [group, sub, ...rest] = argv;
    if (group === 'settings') this.settings(sub, rest);
    else if (group === 'kernel' && sub === 'reboot' && (rest[0] === 'cold' || rest[0] === 'warm')) {
      this.reboot();
      return false;
    } else this.print(`${argv[0]}: command not found`);
    return true;
  }

  private settings(sub: string | undefined, args: string[]): void {
    // `settings read|write [type] <name> [value]`: the type is optional; strings are all we store.
    const typed = args[0] === 'string' || args[0] === 'hex' ? args.slice(1) : args;
    const values = this.store.load();
    switch (sub) {
      case 'write': {
        if (typed.length !== 2) return this.print(`Failed to write setting: ${EINVAL}`);
        const [key, value] = typed as [string, string];
        try {
          this.store.save({ ...values, [key]: value });
        } catch {
          this.print(`Failed to write setting: ${ENOSPC}`);
        }
        return;
      }
      case 'read': {
        const value = typed.length === 1 ? values[typed[0]!] : undefined;
        return this.print(value ?? `Failed to read setting: ${ENOENT}`);
      }
      case 'list': {
        const prefix = args[0] ? `${args[0]}/` : '';
        for (const key of Object.keys(values).sort()) if (key.startsWith(prefix)) this.print(key);
        return;
      }
      case 'delete': {
        if (args.length !== 1) return this.print(`Failed to delete setting: ${EINVAL}`);
        const kept = { ...values };
        delete kept[args[0]!];
        this.store.save(kept);
        return;
      }
      default:
        this.print('settings - Settings shell commands');
        this.print('Subcommands: delete, list, read, write');
    }
  }

  private print(text: string): void {
    this.console.write(`${text}\r\n`);
  }
}
