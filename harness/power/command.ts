import { cycleWith, DEFAULT_OFF_MS, type PowerDriver } from './power.ts';
import { runShell } from './shellCommand.ts';

/** The user's own on/off command lines, e.g. for a relay board or a PDU. */
export class CommandPower implements PowerDriver {
  readonly kind = 'command';
  constructor(private readonly commands: { on: string; off: string }) {}

  on(): Promise<void> {
    return runShell(this.commands.on, 'power on');
  }

  off(): Promise<void> {
    return runShell(this.commands.off, 'power off');
  }

  cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    return cycleWith(this, offMs);
  }
}
