import type { PowerConfig } from '../config/schema.ts';
import { HilError } from '../errors.ts';
import type { Transport } from '../transport/transport.ts';
import { CommandPower } from './command.ts';
import type { PowerDriver } from './power.ts';
import { RtsPower } from './rts.ts';
import { UhubctlPower } from './uhubctl.ts';

/** The power driver a board's `power:` names, for wiring the harness can drive by itself. */
export function powerFromConfig(config: PowerConfig, transport: Transport): PowerDriver {
  switch (config.driver) {
    case 'rts':
      return new RtsPower(transport);
    case 'uhubctl':
      return new UhubctlPower(config);
    case 'command':
      return new CommandPower(config);
    default:
      // The schema pairs the remaining driver with the one backend that provides it.
      throw new HilError(`power driver "${config.driver}" belongs to its board backend`, 'check the board\'s port and power in the bench file', 2);
  }
}
