import { dirname, join, resolve } from 'node:path';
import { generatedCredentials } from '../../config/credentials.ts';
import type { LabConfig, PropletCredentials } from '../../config/schema.ts';
import { HilError } from '../../errors.ts';
import type { PowerDriver } from '../../power/power.ts';
import { VirtualPower } from '../../power/virtual.ts';
import type { Transport } from '../../transport/transport.ts';
import { VirtualBoard } from '../virtualBoards.ts';
import type { BackendContext, BoardBackend, BoardIdentity } from './backend.ts';

/** Where virtual boards keep their flash between runs, so an unchanged image is not rewritten. */
export function virtualStateDir(configPath: string, board: string): string {
  return join(dirname(resolve(configPath)), '.hil', 'virtual', board);
}

/**
 * A virtual ESP32-S3: a process of its own (firmware/virtual), reached over RFC 2217 like a
 * board on a remote bench host. Its power switch is the process itself.
 */
export class VirtualBackend implements BoardBackend {
  readonly kind = 'virtual';
  readonly ephemeral = true;
  private process?: VirtualBoard;

  constructor(private readonly ctx: BackendContext) {}

  async start(): Promise<void> {
    this.process ??= await VirtualBoard.start({ stateDir: virtualStateDir(this.ctx.configPath, this.ctx.board.name) }, this.ctx.log);
  }

  get url(): string {
    return this.started().url;
  }

  power(transport: Transport): PowerDriver {
    return new VirtualPower(this.started(), transport);
  }

  async identity(): Promise<BoardIdentity> {
    return {};
  }

  /** A virtual board the bench file does not list gets credentials derived from its name. */
  credentials(config: LabConfig): PropletCredentials {
    return config.propeller.proplets[this.ctx.board.name] ?? generatedCredentials(this.ctx.configPath, this.ctx.board.name);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  private started(): VirtualBoard {
    if (!this.process) throw new HilError(`virtual board ${this.ctx.board.name} is not started`);
    return this.process;
  }
}
