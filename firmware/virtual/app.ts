import type { Duplex } from 'node:stream';

/**
 * The seam between the virtual chip (ROM, flash, pins, boot) and the firmware it runs.
 * The chip boots an image, reads its application descriptor and starts the matching app
 * (apps.ts); the app sees only what firmware sees on a real chip: its UART, its flash, a
 * clock since boot, the MAC, and a way to reset the chip.
 */

/** What the chip read from the image's esp_app_desc_t (CONTRACT.md §7). */
export interface AppDescriptor {
  projectName: string;
  version: string;
}

export interface Chip {
  /** Sends bytes out of the UART towards the host. */
  uartWrite(data: string | Uint8Array): void;
  /** Bytes the host sent while the app runs; one listener, replaced on each call. */
  onUartData(listener: (data: Buffer) => void): void;
  flashRead(offset: number, length: number): Buffer;
  /** Durable when it returns: a power cut after it never loses or tears the write. */
  flashWrite(offset: number, data: Uint8Array): void;
  flashErase(offset: number, length: number): void;
  /** Milliseconds since this boot (the Zephyr log timestamp). */
  uptimeMs(): number;
  readonly mac: Buffer;
  /**
   * A TCP connection over the board's WiFi. A reset or power cut silences it without a FIN,
   * as on a real chip; the broker finds out through its keep-alive.
   */
  connect(host: string, port: number): Duplex;
  /** A software reset (`kernel reboot cold`): the chip stops the app and reboots. */
  softwareReset(): void;
}

/** A running firmware. The chip calls stop() on any reset or power cut. */
export interface App {
  stop(): void;
}

export type AppFactory = (chip: Chip, descriptor: AppDescriptor) => App;
