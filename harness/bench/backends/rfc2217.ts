import { credentialsFor } from '../../config/credentials.ts';
import type { LabConfig, PropletCredentials } from '../../config/schema.ts';
import { powerFromConfig } from '../../power/fromConfig.ts';
import type { PowerDriver } from '../../power/power.ts';
import type { Transport } from '../../transport/transport.ts';
import type { BackendContext, BoardBackend, BoardIdentity } from './backend.ts';

/**
 * A board on another host, its UART served over RFC 2217 (esp_rfc2217_server, ser2net). The
 * modem lines travel with the protocol, so RTS reset works as on a local port; USB ids do not.
 */
export class Rfc2217Backend implements BoardBackend {
  readonly kind = 'rfc2217';
  readonly ephemeral = false;
  constructor(private readonly ctx: BackendContext) {}

  async start(): Promise<void> {}

  get url(): string {
    return this.ctx.board.port;
  }

  power(transport: Transport): PowerDriver {
    return powerFromConfig(this.ctx.board.power, transport);
  }

  async identity(): Promise<BoardIdentity> {
    return {};
  }

  credentials(config: LabConfig): PropletCredentials {
    return credentialsFor(config, this.ctx.board.name);
  }

  async stop(): Promise<void> {}
}
