import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One switchable outlet of the relay. */
export interface Outlet {
  on(): Promise<void>;
  off(): Promise<void>;
  isOn(): boolean;
}

export interface RestRelay {
  /** The URL template labgrid's NetworkPowerPort takes for model `rest` (host:), with {index}. */
  readonly urlTemplate: string;
  /** Every switch request served, in order: what labgrid's driver asked for. */
  readonly switched: { index: number; on: boolean }[];
  close(): Promise<void>;
}

/**
 * A power relay on loopback that speaks the HTTP protocol of labgrid's `rest` power backend
 * (labgrid/driver/power/rest.py): PUT /relay/<index>/value with body "1" or "0" switches an
 * outlet, GET answers "1" or "0". A lab's REST relay board or PDU does the same to mains; here
 * the outlets are virtual boards, whose power cut is a SIGKILL. A PUT is answered once the
 * outlet has switched, so labgrid's power on returns with the board listening again.
 */
export async function startRestRelay(outlets: Outlet[]): Promise<RestRelay> {
  const switched: { index: number; on: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const match = /^\/relay\/(\d+)\/value$/.exec(req.url ?? '');
    const outlet = match ? outlets[Number(match[1])] : undefined;
    if (!match || !outlet) {
      res.writeHead(404).end('no such outlet\n');
      return;
    }
    const index = Number(match[1]);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(outlet.isOn() ? '1' : '0');
      return;
    }
    if (req.method !== 'PUT') {
      res.writeHead(405).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (body !== '0' && body !== '1') {
        res.writeHead(400).end('expected 0 or 1\n');
        return;
      }
      const on = body === '1';
      switched.push({ index, on });
      (on ? outlet.on() : outlet.off()).then(
        () => res.writeHead(200).end(),
        (err: Error) => res.writeHead(500).end(`${err.message}\n`),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    urlTemplate: `http://127.0.0.1:${port}/relay/{index}/value`,
    switched,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
