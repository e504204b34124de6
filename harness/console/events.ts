import type { ContractFields } from './contractEvents.ts';

/**
 * What the console reads from a board, one typed event per fact. Parsed from text, so these
 * are plain types; the contract events' fields come from their schemas in contractEvents.ts.
 * Every event carries `t` (ms since the console started) and `seq` (the index of its line).
 */
interface At {
  t: number;
  seq: number;
}

export type ZephyrLevel = 'err' | 'wrn' | 'inf' | 'dbg';

export type LogEvent = At &
  (
    | {
        kind: 'line';
        /** Without line end, ANSI codes and control characters: what a person reads. */
        text: string;
        /** Decoded as received, ANSI codes included, without the line end. */
        raw: string;
      }
    | {
        kind: 'zephyr.log';
        /** As printed, `hh:mm:ss.mmm,uuu`; undefined when the firmware logs without timestamps. */
        timestamp?: string;
        /** The same timestamp in ms since boot. */
        uptimeMs?: number;
        level: ZephyrLevel;
        module: string;
        message: string;
      }
    | { kind: 'zephyr.banner'; version: string }
    /** The same banner under its CONTRACT.md §2.1 name. */
    | { kind: 'boot.banner'; version: string }
    | {
        kind: 'rom.banner';
        /** From `ESP-ROM:esp32s3-20210327`; undefined when that line was lost. */
        chip?: string;
        resetCode: number;
        /** The name in brackets, e.g. POWERON, RTC_SW_SYS_RST, TG0WDT_SYS_RST. */
        resetCause: string;
        /** The name in brackets, e.g. SPI_FAST_FLASH_BOOT, DOWNLOAD(USB/UART0). */
        bootMode: string;
      }
    | { kind: 'rom.download' }
    | {
        kind: 'zephyr.fatal';
        /** e.g. `CPU exception`, `Stack overflow`, `Kernel oops`, `Kernel panic`. */
        reason: string;
        /** Zephyr's reason code (K_ERR_*). */
        code: number;
        cpu: number;
        /** The dump from `** FATAL EXCEPTION` (when seen) up to this line. */
        lines: string[];
      }
    | {
        kind: 'wamr.error';
        stage: 'load' | 'instantiate' | 'exception';
        /** The whole error, e.g. `WASM module load failed: magic header not detected`. */
        text: string;
        /** The task's id when the error came in a `Task failed` line. */
        id?: string;
      }
    | { kind: 'shell.prompt' }
    /** A first connect that failed and is retried (upstream's `MQTT connect failed [rc]`; harness/profiles/). */
    | { kind: 'mqtt.connect_failed'; rc?: number }
    | ContractFields
  );

export type LogEventKind = LogEvent['kind'];
export type LogEventOf<K extends LogEventKind> = Extract<LogEvent, { kind: K }>;
