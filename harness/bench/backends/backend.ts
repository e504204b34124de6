import type { BoardConfig, LabConfig, PropletCredentials } from '../../config/schema.ts';
import type { SerialPortInfo } from '../../flash/webSerial.ts';
import type { Logger } from '../../log.ts';
import type { PowerDriver } from '../../power/power.ts';
import type { Transport } from '../../transport/transport.ts';

/** What the harness knows of a board's hardware before it talks to the chip (the chip's MAC comes with the flash). */
export interface BoardIdentity {
  /** USB ids of a local port, which esptool-js reads like Web Serial's getInfo(). */
  usb?: SerialPortInfo;
  /** The labgrid place a lab board was leased as, and this run's name in the lab as its holder. */
  place?: string;
  holder?: string;
}

/** What a backend gets to work with: the board's entry and where the bench file lives. */
export interface BackendContext {
  board: BoardConfig;
  /** The bench file's path: state that belongs to the bench (a virtual board's flash) lives beside it. */
  configPath: string;
  /** The bench file, when the board comes from one (its timeouts bound a place's wait). */
  lab?: LabConfig;
  log: Logger;
  /** Hears each progress line while the board is waited for (a busy labgrid place), for the person running. */
  onWait?: (line: string) => void;
}

/**
 * Where a board lives and how it is powered (labgrid's resource + driver): a local serial
 * port, a port served over RFC 2217, a virtual board process, a lab's place. Everything above
 * bench/ reaches a board through this interface and never asks which backend it has.
 * Adding one is a new file in this folder and a row in `backends/index.ts`.
 */
export interface BoardBackend {
  /** The backend's name, for logs and messages. */
  readonly kind: string;
  /**
   * True when the board exists only while a run holds it (a process the bench starts): a
   * command that merely attaches to a running board (hil monitor, hil provision) cannot reach it.
   */
  readonly ephemeral: boolean;
  /** Makes the board reachable (a process started, a place acquired). */
  start(): Promise<void>;
  /** The port spec `openTransport` opens once started: a device, serial:…, usb:… or rfc2217://. */
  readonly url: string;
  /** The board's power driver, over its open transport where the wiring is the serial lines. */
  power(transport: Transport): PowerDriver;
  identity(): Promise<BoardIdentity>;
  /** The proplet id and API key the board is provisioned with. */
  credentials(config: LabConfig): PropletCredentials;
  /** Gives the board back (the process stopped, the place released). */
  stop(): Promise<void>;
}
