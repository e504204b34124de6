/**
 * One virtual ESP32-S3 board as an OS process:
 *
 *   node --import tsx firmware/virtual/main.ts --state DIR [--firmware IMAGE] [--port N]
 *        [--pace] [--strap download] [--raw-port N] [--max-baud N]
 *
 * Prints exactly one line, `rfc2217://127.0.0.1:<port>`, on stdout once it listens; logs go to
 * stderr. SIGTERM is an orderly shutdown (exit 0); SIGKILL is a power cut, and starting again
 * with the same --state is a power-on.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectApp } from './apps.ts';
import { VirtualChip } from './chip.ts';
import { FlashStore } from './flash.ts';
import { loadIdentity, macBytes } from './identity.ts';
import { Network } from './network.ts';
import { Pacer } from './pacer.ts';
import { autoReset } from './pins.ts';
import { UartServer } from './rfc2217Server.ts';

/** esptool erases whole 4 KiB sectors before it writes. */
const SECTOR = 4096;

function fail(message: string): never {
  process.stderr.write(`virtual board: ${message}\n`);
  process.exit(2);
}

function portOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${name} must be a TCP port, got "${value}"`);
  return port;
}

const { values } = parseArgs({
  options: {
    state: { type: 'string' },
    firmware: { type: 'string' },
    port: { type: 'string' },
    pace: { type: 'boolean', default: false },
    strap: { type: 'string' },
    'raw-port': { type: 'string' },
    'max-baud': { type: 'string' },
  },
  strict: true,
});
if (!values.state) fail('--state DIR is required');
if (values.strap !== undefined && values.strap !== 'download') fail(`--strap takes "download", got "${values.strap}"`);
/** The USB-UART bridge's fastest rate (--max-baud): a CH340-class bridge stops short of what the chip can do. */
const maxBaud = values['max-baud'] === undefined ? undefined : Number(values['max-baud']);
if (maxBaud !== undefined && !(Number.isInteger(maxBaud) && maxBaud >= 115200)) fail(`--max-baud must be a baud rate of at least 115200, got "${values['max-baud']}"`);
const bridgeCan = (b: number) => maxBaud === undefined || b <= maxBaud;

const stateDir = values.state;
mkdirSync(stateDir, { recursive: true });
const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
const flash = new FlashStore(join(stateDir, 'flash.bin'));
const identity = loadIdentity(join(stateDir, 'identity.json'));

if (values.firmware) {
  // As if esptool had written it at 0x0: the covered sectors erased, then the image.
  let image: Buffer;
  try {
    image = readFileSync(values.firmware);
  } catch (err) {
    fail(`cannot read --firmware ${values.firmware}: ${(err as Error).message}`);
  }
  if (image.length > flash.size) fail(`--firmware ${values.firmware} is larger than the flash (${flash.size} bytes)`);
  flash.erase(0, Math.min(flash.size, Math.ceil(image.length / SECTOR) * SECTOR));
  flash.write(0, image);
}

/** The chip's UART rate, and the bridge's (what SET-BAUDRATE sets): apart only past --max-baud. */
let baud = 115200;
let bridgeBaud = 115200;
let dtr = false;
let rts = false;
const servers: UartServer[] = [];
const tx = new Pacer(values.pace, () => bridgeBaud, (data) => servers.forEach((s) => s.write(data)));
const rx = new Pacer(values.pace, () => bridgeBaud, (data) => chip.receive(data));
/** Two UARTs at different rates see framing errors, not bytes: nothing gets across. */
const sameRate = () => baud === bridgeBaud;

const network = await Network.start().catch((err: Error) => fail(`cannot start the radio: ${err.message}`));
const chip = new VirtualChip({
  flash,
  mac: macBytes(identity),
  uartWrite: (data) => {
    if (sameRate()) tx.push(data);
  },
  setBaud: (b) => {
    // The host follows the chip's rate, as esptool does after CHANGE_BAUDRATE — if its bridge can.
    baud = b;
    if (bridgeCan(b)) bridgeBaud = b;
  },
  purgeUart: () => {
    tx.purge();
    rx.purge();
  },
  selectApp,
  network,
  strapDownload: values.strap === 'download',
  pace: values.pace,
  log,
});

function shutdown(): void {
  chip.powerOff();
  servers.forEach((s) => s.close());
  flash.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// A board belongs to whoever started it (a test run, `hil virtual start`): if that process
// dies without stopping it, the board is reparented and goes too, instead of running forever.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown();
}, 1000).unref();

const signals = () => chip.setPins(autoReset(dtr, rts));
const toChip = (data: Buffer) => {
  if (sameRate()) rx.push(data);
};
const telnet = new UartServer(toChip, {
  baud: () => bridgeBaud,
  setBaud: (b) => {
    // A rate the bridge cannot do is refused: the answer names the rate it keeps.
    if (!bridgeCan(b)) return;
    baud = b;
    bridgeBaud = b;
  },
  dtr: () => dtr,
  rts: () => rts,
  setDtr: (on) => {
    dtr = on;
    signals();
  },
  setRts: (on) => {
    rts = on;
    signals();
  },
  purge: (which) => {
    if (which & 1) rx.purge();
    if (which & 2) tx.purge();
  },
  // esp_rfc2217_server releases DTR and RTS when its client leaves; so does ours.
  disconnected: () => {
    dtr = false;
    rts = false;
    signals();
  },
});
servers.push(telnet);
let port: number;
try {
  port = await telnet.listen(portOption(values.port, '--port') ?? 0);
  const rawPort = portOption(values['raw-port'], '--raw-port');
  if (rawPort !== undefined) {
    const raw = new UartServer(toChip);
    servers.push(raw);
    const bound = await raw.listen(rawPort);
    log(`raw UART on tcp://127.0.0.1:${bound}`);
  }
} catch (err) {
  fail(`cannot listen: ${(err as Error).message}`);
}

process.stdout.write(`rfc2217://127.0.0.1:${port}\n`);
log(`board ${identity.mac} serial=${identity.usbSerial} state=${stateDir} pace=${values.pace}${maxBaud ? ` max-baud=${maxBaud}` : ''}`);
chip.powerOn();
