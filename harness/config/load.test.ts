import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, stringify } from 'yaml';
import { HilError } from '../errors.ts';
import { credentialsFor } from './credentials.ts';
import { loadConfig } from './load.ts';

const shipped = readFileSync(new URL('../../lab.config.yaml', import.meta.url), 'utf8');

/** Writes YAML text as lab.config.yaml in the test's own folder and returns its path. */
function file(text: string): string {
  const path = join(test.info().outputPath(), 'lab.config.yaml');
  writeFileSync(path, text);
  return path;
}

/** The shipped config with one change applied to its parsed tree. */
function variant(change: (tree: Record<string, any>) => void): string {
  const tree = parse(shipped);
  change(tree);
  return file(stringify(tree));
}

/** The one line a bad config gives; fails the test if it loads or throws anything else. */
async function errorLine(path: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const err = await loadConfig(path, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'a bad config must be rejected with a HilError').toBeInstanceOf(HilError);
  const hil = err as HilError;
  expect(hil.exitCode).toBe(2);
  expect(hil.line(), 'one line, no stack trace').not.toContain('\n');
  return hil.message.slice(path.length + 2);
}

test('the shipped lab.config.yaml loads with no environment: two virtual boards with generated credentials', async () => {
  const config = await loadConfig(new URL('../../lab.config.yaml', import.meta.url).pathname, {});
  expect(config.boards.map((b) => [b.name, b.port, b.power.driver, b.baud, b.flashBaud])).toEqual([
    ['v0', 'virtual', 'virtual', 115200, 921600],
    ['v1', 'virtual', 'virtual', 115200, 921600],
  ]);
  expect(config.timeouts).toEqual({ boot: 15000, flash: 180000, mqttConnect: 20000, task: 10000, keepAlive: 30000 });
  expect(config.wifi).toEqual({});
  const v0 = credentialsFor(config, 'v0');
  const v1 = credentialsFor(config, 'v1');
  expect(v0.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(v0.id).not.toBe(v1.id);
  expect(v0.apiKey.length).toBeGreaterThanOrEqual(24);
  const again = await loadConfig(new URL('../../lab.config.yaml', import.meta.url).pathname, {});
  expect(credentialsFor(again, 'v0'), 'generated credentials are stable per board state').toEqual(v0);
  expect(config.firmware.image, 'paths are resolved from the config folder').toBe(new URL('../../fixtures/build/proplet.bin', import.meta.url).pathname);
});

test("the real bench in lab.config.yaml's comments is a valid config", async () => {
  const block = shipped.slice(shipped.indexOf('\n# version: 1'));
  const path = file(block.split('\n').map((line) => line.replace(/^# ?/, '')).join('\n'));
  const env = { DEVKIT_A_KEY: 'ka', DEVKIT_B_KEY: 'kb', REMOTE_C_KEY: 'kc', HIL_WIFI_SSID: 'lab', HIL_WIFI_PSK: 'secret' };
  const config = await loadConfig(path, env);
  expect(config.boards.map((b) => [b.name, b.port, b.reset, b.power.driver])).toEqual([
    ['devkit-a', 'serial:0001A2B3', 'classic', 'uhubctl'],
    ['devkit-b', 'usb:1-1.4', 'usb-jtag', 'rts'],
    ['remote-c', 'rfc2217://bench2.lab:4000', 'classic', 'command'],
  ]);
  expect(config.broker.basePort).toBe(1883);
  expect(config.timeouts, 'unlisted timeouts keep their defaults').toEqual({ boot: 20000, flash: 240000, mqttConnect: 20000, task: 10000, keepAlive: 30000 });
  expect(credentialsFor(config, 'devkit-b').apiKey).toBe('kb');
  expect(config.compare?.thresholds['heap.high']).toEqual({ maxIncreasePct: 5 });
  expect(await errorLine(path, { ...env, DEVKIT_B_KEY: '' })).toBe('propeller.proplets.devkit-b.apiKey: expected a string; got nothing (${DEVKIT_B_KEY} not set)');
});

test('a real board without credentials loads, and asking for them names the key to add', async () => {
  const config = await loadConfig(
    variant((t) => {
      t.boards.push({ name: 'bench-a', chip: 'esp32s3', port: '/dev/ttyUSB0' });
      t.broker.advertisedHost = '192.168.10.2';
    }),
    {},
  );
  const err = (() => {
    try {
      credentialsFor(config, 'bench-a');
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).message).toBe('propeller.proplets.bench-a: no proplet id and API key for board "bench-a"');
});

test('a bad port names the key path, the accepted forms and what was found', async () => {
  const line = await errorLine(variant((t) => (t.boards[0].port = 'ttyUSB0')));
  expect(line).toMatch(/^boards\[0\]\.port: expected a device path .*rfc2217:\/\/host:port, virtual, or a labgrid place .*; got "ttyUSB0"$/);
});

test('every port form is accepted, malformed ones are not', async () => {
  for (const port of ['/dev/ttyUSB0', '/dev/serial/by-id/usb-Espressif_USB_JTAG_serial_debug_unit_F4:12:FA:00:00:01-if00', 'serial:0001A2B3', 'usb:1-1.4:1.0', 'usb:1-1.4', 'rfc2217://bench2.lab:4000', 'rfc2217://[::1]:4000']) {
    const path = variant((t) => {
      t.boards = [{ name: 'a', chip: 'esp32s3', port }];
      t.broker.advertisedHost = '192.168.10.2';
    });
    const config = await loadConfig(path, {});
    expect(config.boards[0]!.power, `${port}: a real board defaults to the RTS driver`).toEqual({ driver: 'rts' });
  }
  for (const port of ['serial:', 'usb:one', 'rfc2217://host', 'rfc2217://host:99999', 'tcp://host:1']) {
    expect(await errorLine(variant((t) => (t.boards[1].port = port)))).toContain(`boards[1].port: expected a device path`);
  }
});

test('an unknown key is an error that suggests the key that was meant', async () => {
  expect(await errorLine(variant((t) => (t.boards[0].flashbaud = 460800)))).toBe('boards[0]: unknown key "flashbaud" (did you mean "flashBaud"?)');
  expect(await errorLine(variant((t) => (t.timeouts.mqttConect = 5)))).toBe('timeouts: unknown key "mqttConect" (did you mean "mqttConnect"?)');
  expect(await errorLine(variant((t) => (t.boards[0].power = { driver: 'uhubctl', hub: '1-1', port: 2, prot: 3 })))).toBe(
    'boards[0].power: unknown key "prot" (did you mean "port"?)',
  );
  const top = await errorLine(
    variant((t) => {
      t.borads = t.boards;
      delete t.boards;
    }),
  );
  expect(top, 'the typo is reported rather than the key it hides').toMatch(/^unknown key "borads" \(did you mean "boards"\?\)$/);
  expect(await errorLine(variant((t) => (t.propeller.proplets = { v0: { id: 'p', apikey: 'k' } })))).toBe(
    'propeller.proplets.v0: unknown key "apikey" (did you mean "apiKey"?)',
  );
  expect(await errorLine(variant((t) => (t.colour = 'blue')))).toMatch(/^unknown key "colour" \(known: version, boards, broker/);
});

test('wrong values name the allowed ones', async () => {
  expect(await errorLine(variant((t) => (t.boards[0].chip = 'esp32')))).toBe('boards[0].chip: expected "esp32s3"; got "esp32"');
  expect(await errorLine(variant((t) => (t.boards[0].reset = 'dtr')))).toBe('boards[0].reset: expected "classic" or "usb-jtag" or "none"; got "dtr"');
  expect(await errorLine(variant((t) => (t.boards[0].power = { driver: 'relay' })))).toBe(
    'boards[0].power.driver: expected "virtual" or "rts" or "uhubctl" or "command" or "labgrid"; got "relay"',
  );
  expect(await errorLine(variant((t) => (t.broker.basePort = 'eighteen')))).toBe('broker.basePort: expected a number; got "eighteen"');
  expect(await errorLine(variant((t) => (t.broker.basePort = 70000)))).toBe('broker.basePort: expected a number at most 65535; got 70000');
  expect(await errorLine(variant((t) => (t.boards = [])))).toBe('boards: expected at least one board; got an empty list');
  expect(await errorLine(variant((t) => delete t.propeller))).toBe('propeller: expected a mapping; got nothing');
});

test('checks across keys: duplicate names and ports, credentials for unknown boards, firmware, a loopback broker for real boards', async () => {
  expect(await errorLine(variant((t) => (t.boards[1].name = 'v0')))).toBe('boards[1].name: duplicate board name "v0" (also boards[0].name)');
  expect(
    await errorLine(
      variant((t) => {
        t.boards[0].port = t.boards[1].port = '/dev/ttyUSB0';
        t.boards[0].power = t.boards[1].power = { driver: 'rts' };
        t.broker.advertisedHost = '10.0.0.2';
      }),
    ),
  ).toBe('boards[1].port: port "/dev/ttyUSB0" is also boards[0].port: one board per port');
  expect(await errorLine(variant((t) => (t.propeller.proplets = { v9: { id: 'x', apiKey: 'y' } })))).toBe(
    'propeller.proplets.v9: no board named "v9" (boards: v0, v1)',
  );
  expect(await errorLine(variant((t) => (t.boards[0].port = '/dev/ttyACM0')))).toBe(
    'boards[0].power.driver: power driver "virtual" needs port: virtual; got port "/dev/ttyACM0"',
  );
  expect(await errorLine(variant((t) => (t.firmware = { expectVersion: '1.0.0' })))).toBe(
    'firmware: expected image (one file at 0x0) or manifest (files + offsets); got neither',
  );
  expect(
    await errorLine(
      variant((t) => {
        t.boards[0].port = '/dev/ttyACM0';
        t.boards[0].power = { driver: 'rts' };
      }),
    ),
  ).toMatch(/^broker\.advertisedHost: expected an address real boards can reach over WiFi; got "127\.0\.0\.1"/);
});

test('${VAR} interpolation: values from the environment, defaults, unset secrets count as absent', async () => {
  const path = variant((t) => {
    t.broker.basePort = '${HIL_BASE_PORT:-18830}';
    t.wifi = { ssid: '${SSID}', psk: '${PSK}' };
    t.propeller.proplets = { v0: { id: 'p-0', apiKey: '${V0_KEY}' } };
  });
  const config = await loadConfig(path, { HIL_BASE_PORT: '20000', SSID: 'lab: "net" #1', PSK: '', V0_KEY: 'k0' });
  expect(config.broker.basePort, 'a number from the environment is a number').toBe(20000);
  expect(config.wifi, 'YAML-special characters in a value stay text; an empty PSK is absent').toEqual({ ssid: 'lab: "net" #1' });
  expect(config.propeller.proplets.v0).toEqual({ id: 'p-0', apiKey: 'k0' });
  expect((await loadConfig(path, { V0_KEY: 'k0' })).broker.basePort, 'the default applies when unset').toBe(18830);

  expect(await errorLine(path, {}), 'a required value whose variable is unset says which variable').toBe(
    'propeller.proplets.v0.apiKey: expected a string; got nothing (${V0_KEY} not set)',
  );
  expect(await errorLine(variant((t) => (t.wifi.ssid = '${HIL WIFI}')))).toBe('wifi.ssid: expected ${NAME} or ${NAME:-default}; got "${HIL WIFI}"');
});

test('broker TLS files are resolved from the config folder; an external broker needs a broker URL', async () => {
  const path = variant((t) => (t.broker.tls = { cert: 'certs/broker.crt', key: '/etc/hil/broker.key', port: 8883 }));
  const config = await loadConfig(path, {});
  expect(config.broker.tls).toEqual({ cert: join(test.info().outputPath(), 'certs/broker.crt'), key: '/etc/hil/broker.key', port: 8883 });
  const external = await loadConfig(variant((t) => (t.broker.external = { url: 'mqtt://127.0.0.1:1883', username: 'hil' })), {});
  expect(external.broker.external).toEqual({ url: 'mqtt://127.0.0.1:1883', username: 'hil' });
  expect(await errorLine(variant((t) => (t.broker.external = { url: '127.0.0.1:1883' })))).toBe(
    'broker.external.url: expected a broker URL such as mqtt://host:1883; got "127.0.0.1:1883"',
  );
});

test('a missing file, a YAML syntax error and an empty file are one line each', async () => {
  const missing = join(test.info().outputPath(), 'nope.yaml');
  expect(await errorLine(missing)).toBe('no such file');
  const syntax = await loadConfig(file('boards:\n  - name: a\n   chip: esp32s3\n'), {}).catch((e: HilError) => e);
  expect(syntax).toBeInstanceOf(HilError);
  expect((syntax as HilError).message).toMatch(/lab\.config\.yaml:\d+:\d+: /);
  expect((syntax as HilError).line()).not.toContain('\n');
  expect(await errorLine(file(''))).toMatch(/^expected a mapping .*; got an empty file$/);
});
