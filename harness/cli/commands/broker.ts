import { parseArgs } from 'node:util';
import { startBroker } from '../../broker/broker.ts';
import { formatEvent } from '../../broker/trafficView.ts';
import { HilError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { integerOption } from '../options.ts';

const USAGE = `usage: hil broker [--port N] [--host ADDR] (--user U --password P | --anonymous) [--record FILE] [--json]

Runs the harness's MQTT broker on its own, for debugging a board by hand: point the board's
mqtt_broker_host/mqtt_broker_port settings at this host and watch the traffic live. Any
MQTT 3.1.1 client works with it (mosquitto_pub/sub, mqtt.js, MQTT Explorer). Ctrl-C ends it.

Each line: time, who, and what — "←" a client published (topic, QoS, payload summary with
base64 modules shown by size), "→" the broker delivered to a subscriber, plus connects (user,
keep-alive, will), refusals, disconnects with their cause, subscriptions.

  --port N         port to listen on (default 1883; 0 picks a free one)
  --host ADDR      address to listen on (default 127.0.0.1: this host only; 0.0.0.0 or the
                   host's LAN address so that boards on the network reach it); --bind is the same
  --user U         accept only this username …
  --password P     … with this password (a proplet's id and API key)
  --anonymous      accept any client without credentials (one of the two is required)
  --record FILE    also append every event to FILE as JSON lines
  --json           print events as JSON lines instead of the readable view

exit codes: 0 ended with Ctrl-C, 2 usage error or the port is taken`;

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'run the MQTT broker standalone with a live traffic view',
  usage: USAGE,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.args,
      options: {
        port: { type: 'string', default: '1883' },
        host: { type: 'string' },
        bind: { type: 'string' },
        anonymous: { type: 'boolean', default: false },
        user: { type: 'string' },
        password: { type: 'string' },
        record: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const port = integerOption('port', values.port, { command: 'broker', min: 0, max: 65535, unit: 'a port number' })!;
    if ((values.user === undefined) !== (values.password === undefined)) {
      throw new HilError('--user and --password go together', 'give both, or --anonymous to accept anyone', 2);
    }
    if (values.user === undefined && !values.anonymous) {
      throw new HilError('hil broker needs credentials: --user U --password P', 'or --anonymous to accept any client', 2);
    }
    if (values.user !== undefined && values.anonymous) throw new HilError('--anonymous and --user exclude each other', undefined, 2);
    const broker = await startBroker({
      bind: values.host ?? values.bind ?? '127.0.0.1',
      port,
      auth: values.user !== undefined ? { [values.user]: values.password! } : undefined,
      recordTo: values.record,
      log: ctx.log,
    });
    const print = values.json ? (e: object) => JSON.stringify(e) : formatEvent;
    for (const event of broker.events) console.log(print(event));
    broker.onEvent((event) => console.log(print(event)));
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await broker.close();
    return 0;
  },
};
