import { cycleWith, DEFAULT_OFF_MS, type PowerDriver } from './power.ts';
import { runShell } from './shellCommand.ts';

/** USB hub port power through uhubctl (Debian package `uhubctl`), for hubs with per-port switching. */
export class UhubctlPower implements PowerDriver {
  readonly kind = 'uhubctl';
  constructor(private readonly where: { hub: string; port: number }) {}

  private action(action: 'on' | 'off'): Promise<void> {
    return runShell(`uhubctl -l ${this.where.hub} -p ${this.where.port} -a ${action}`, `power ${action}`);
  }

  on(): Promise<void> {
    return this.action('on');
  }

  off(): Promise<void> {
    return this.action('off');
  }

  cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    return cycleWith(this, offMs);
  }
}
