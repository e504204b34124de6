/**
 * USB ids that an ESP32-S3 shows up with (docs/protocol.md, ESP32-S3): its own USB-Serial/JTAG, or the
 * USB-UART bridge of a dev board. The built-in id is shared with other Espressif chips (C3,
 * C6, H2), so even it only makes a board likely, not certain.
 */
const BUILT_IN = { id: '303a:1001', adapter: 'Espressif USB-Serial/JTAG' };

const BRIDGES: Record<string, string> = {
  '10c4:ea60': 'CP210x USB-UART bridge',
  '1a86:7523': 'CH340 USB-UART bridge',
  '1a86:55d3': 'CH343 USB-UART bridge',
  '0403:6001': 'FTDI FT232R USB-UART bridge',
};

export type Esp32s3Guess = 'likely' | 'possible' | 'unlikely';

export function classifyUsb(vendorId: string, productId: string, product = ''): { adapter?: string; esp32s3: Esp32s3Guess } {
  const id = `${vendorId}:${productId}`.toLowerCase();
  if (id === BUILT_IN.id) return { adapter: BUILT_IN.adapter, esp32s3: 'likely' };
  const bridge = BRIDGES[id];
  // Some dev boards name the chip in the bridge's product string (e.g. "ESP32-S3-DevKitC").
  if (/esp32-?s3/i.test(product)) return { adapter: bridge, esp32s3: 'likely' };
  if (bridge) return { adapter: bridge, esp32s3: 'possible' };
  return { esp32s3: 'unlikely' };
}
