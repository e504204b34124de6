/**
 * How a bench cuts and restores a board's power (labgrid's PowerProtocol). One small driver
 * per kind of wiring; lab.config.yaml picks it per board.
 */
export interface PowerDriver {
  readonly kind: string;
  on(): Promise<void>;
  off(): Promise<void>;
  /** off, wait offMs, on */
  cycle(offMs?: number): Promise<void>;
}

/** The default pause of a power cycle: long enough for a dev board's capacitors to drain. */
export const DEFAULT_OFF_MS = 500;

export async function cycleWith(driver: Pick<PowerDriver, 'on' | 'off'>, offMs: number): Promise<void> {
  await driver.off();
  await new Promise((resolve) => setTimeout(resolve, offMs));
  await driver.on();
}
