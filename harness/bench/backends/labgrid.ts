import { credentialsFor } from '../../config/credentials.ts';
import type { LabConfig, PropletCredentials } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import { DEFAULT_PLACE_WAIT_MS, leasePlace, type PlaceLease } from '../../labgrid/placeLease.ts';
import { parseLabgridTarget } from '../../labgrid/target.ts';
import { powerFromConfig } from '../../power/fromConfig.ts';
import { LabgridPower } from '../../power/labgrid.ts';
import type { PowerDriver } from '../../power/power.ts';
import type { Transport } from '../../transport/transport.ts';
import type { BackendContext, BoardBackend, BoardIdentity } from './backend.ts';

/**
 * A board in a labgrid lab: a place leased from the lab's coordinator for the run (waited for
 * while another holder has it), its serial port exported over RFC 2217, its power switched by
 * labgrid's driver for the place's power resource.
 */
export class LabgridBackend implements BoardBackend {
  readonly kind = 'labgrid';
  readonly ephemeral = false;
  private lease?: PlaceLease;

  constructor(private readonly ctx: BackendContext) {}

  async start(): Promise<void> {
    this.lease ??= await leasePlace(parseLabgridTarget(this.ctx.board.port), {
      log: this.ctx.log,
      waitMs: this.ctx.lab?.timeouts.placeWait ?? DEFAULT_PLACE_WAIT_MS,
      onProgress: this.ctx.onWait,
    });
  }

  get url(): string {
    return this.leased().url;
  }

  power(transport: Transport): PowerDriver {
    return this.ctx.board.power.driver === 'labgrid' ? new LabgridPower(this.leased(), transport) : powerFromConfig(this.ctx.board.power, transport);
  }

  async identity(): Promise<BoardIdentity> {
    const lease = this.leased();
    return { place: lease.place, holder: lease.holder };
  }

  credentials(config: LabConfig): PropletCredentials {
    return credentialsFor(config, this.ctx.board.name);
  }

  async stop(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release().catch((err: Error) => this.ctx.log.warn(`labgrid: ${err.message}`));
  }

  private leased(): PlaceLease {
    if (!this.lease) throw new HilError(`labgrid board ${this.ctx.board.name} holds no place yet`);
    return this.lease;
  }
}
