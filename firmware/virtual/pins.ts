/**
 * The DevKitC's auto-reset circuit: two cross-coupled transistors between the USB-UART's
 * DTR/RTS and the chip's EN and GPIO0. RTS asserted alone pulls EN low (reset); DTR asserted
 * alone pulls GPIO0 low (download strap); both asserted, neither moves — which is why a
 * host that opens the port (asserting both) does not reset the board.
 */
export interface PinLevels {
  /** EN (chip enable): false holds the chip in reset. */
  en: boolean;
  /** GPIO0: false at reset selects download mode. */
  gpio0: boolean;
}

export function autoReset(dtr: boolean, rts: boolean): PinLevels {
  return { en: !(rts && !dtr), gpio0: !(dtr && !rts) };
}
