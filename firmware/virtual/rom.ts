/**
 * What the ESP32-S3 ROM and Espressif's simple-boot code print (docs/protocol.md,
 * "ESP32-S3 and its ROM"). Lines only; the chip decides when to print them.
 */
import type { GoodImage } from './image.ts';

/**
 * The reset causes this board can report in `rst:` (CONTRACT.md §6). It models a board on a
 * USB-UART bridge, so there is no USB_UART_CHIP_RESET; nothing here hangs, so no TG0WDT.
 * RTCWDT_RTC_RST is the RTC watchdog's "RTC reset" stage, which esptool's
 * `--after watchdog-reset` arms (docs/esptool-conformance.md).
 */
export const RESET_CAUSES = {
  POWERON: 0x1,
  RTC_SW_SYS_RST: 0x3,
  RTCWDT_RTC_RST: 0x10,
} as const;

export type ResetCause = keyof typeof RESET_CAUSES;

export function romBanner(cause: ResetCause, download: boolean): string[] {
  const boot = download ? 'boot:0x0 (DOWNLOAD(USB/UART0))' : 'boot:0x8 (SPI_FAST_FLASH_BOOT)';
  return ['ESP-ROM:esp32s3-20210327', 'Build:Mar 27 2021', `rst:0x${RESET_CAUSES[cause].toString(16)} (${cause}),${boot}`];
}

export const WAITING_FOR_DOWNLOAD = 'waiting for download';

/** Segments the MMU maps from flash (DROM/IROM) are not copied by the ROM, so it prints no `load:` for them. */
function flashMapped(address: number): boolean {
  return (address >= 0x3c000000 && address < 0x3e000000) || (address >= 0x42000000 && address < 0x44000000);
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function romLoadLines(image: GoodImage): string[] {
  return [
    `SPIWP:${hex(image.wpPin)}`,
    `mode:${image.spiMode}, clock div:${image.clockDiv}`,
    ...image.segments.filter((s) => !flashMapped(s.address)).map((s) => `load:${hex(s.address)},len:${hex(s.length)}`),
    `entry ${hex(image.entry)}`,
  ];
}

/** The app's own early boot code (Zephyr's ESP32-S3 simple boot), in the ESP-IDF log format. */
export function simpleBootLines(image: GoodImage): string[] {
  return [
    'I (61) boot: ESP Simple boot',
    'I (62) boot: chip revision: v0.2',
    `I (66) boot.esp32s3: SPI Flash Size : ${image.flashSize}`,
    'I (120) boot: Disabling RNG early entropy source...',
  ];
}
