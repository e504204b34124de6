import type { Transport } from '../transport/transport.ts';
import { cycleWith, DEFAULT_OFF_MS, type PowerDriver } from './power.ts';

/**
 * What a virtual board's power switch acts on: the board's process, which the bench starts.
 * Kept to this shape so that power/ knows nothing of how the bench runs the process.
 */
export interface BoardProcess {
  /** A cut: the process is killed (SIGKILL) with no chance to say goodbye. */
  powerOff(): Promise<void>;
  /** The process again, with the same flash and the same URL. */
  powerOn(): Promise<void>;
}

/**
 * A virtual board's power: SIGKILL of its process is the cut, a restart with the same state
 * directory is power-on. Its RFC 2217 connection dies with the process, as a USB-serial
 * bridge powered from the board would vanish, so power-on also reopens the transport.
 */
export class VirtualPower implements PowerDriver {
  readonly kind = 'virtual';
  constructor(
    private readonly board: BoardProcess,
    private readonly transport: Transport,
  ) {}

  off(): Promise<void> {
    return this.board.powerOff();
  }

  async on(): Promise<void> {
    await this.board.powerOn();
    if (!this.transport.isOpen) await this.transport.open();
  }

  cycle(offMs = DEFAULT_OFF_MS): Promise<void> {
    return cycleWith(this, offMs);
  }
}
