import { HilError } from '../errors.ts';

export interface IntegerOptionRule {
  /** The smallest accepted value (default 1). */
  min?: number;
  max?: number;
  /** What the number counts, for the message: "milliseconds", "a port number". */
  unit?: string;
  /** The command, for the hint: `run hil <command> --help`. */
  command: string;
}

/**
 * A whole-number option as every command reads them: absent stays undefined, anything but
 * digits within the bounds is a usage error (exit 2) that names the option and what it got.
 */
export function integerOption(name: string, value: string | undefined, rule: IntegerOptionRule): number | undefined {
  if (value === undefined) return undefined;
  const min = rule.min ?? 1;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = rule.max !== undefined ? ` ${min}–${max}` : min > 0 ? '' : ' (0 or more)';
    throw new HilError(`--${name} expects ${rule.unit ?? 'a number'}${range}, got "${value}"`, `run hil ${rule.command} --help`, 2);
  }
  return n;
}
