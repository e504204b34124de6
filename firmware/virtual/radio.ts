/**
 * The board's WiFi link as seen from the network: a small process that outlives the board
 * process, so that a power cut (SIGKILL of the board) looks to the broker as it does on a real
 * bench — the TCP connection just goes quiet, and only the broker's keep-alive notices
 * (1.5 × keep-alive, then the will). Without it the kernel would close the board's sockets
 * with a FIN the moment the process dies, which no powerless chip can send.
 *
 *   node --import tsx firmware/virtual/radio.ts      prints `radio 127.0.0.1:<port>`
 *
 * The board opens one control connection (`CONTROL`) and one connection per TCP socket its
 * firmware opens (`CONNECT <host> <port>` → `OK` or `ERR <code>`, then raw bytes). `VANISH`
 * on the control connection, or the control connection closing (the board process died),
 * silences every open connection: nothing more reaches the remote side, and it is not closed
 * from here. A silenced connection is dropped when the remote side closes it, or after
 * HOLD_MAX_MS; the radio exits once the board is gone and nothing is held.
 */
import { createServer, connect as tcpConnect, type Socket } from 'node:net';

/** Longer than any keep-alive × 1.5 a bench uses; a broker that never times out is not waited for. */
const HOLD_MAX_MS = 10 * 60_000;
/** How long a closed board socket waits for news of the board's death before the close is passed on. */
const SETTLE_MS = 300;
/** A radio whose board never shows up is not left behind. */
const CONTROL_WAIT_MS = 15_000;

interface Link {
  board: Socket;
  remote: Socket;
  silent: boolean;
}

const links = new Set<Link>();
let boardGone = false;
let control: Socket | undefined;

function maybeExit(): void {
  if (boardGone && links.size === 0) process.exit(0);
}

function silence(link: Link): void {
  if (link.silent) return;
  link.silent = true;
  link.board.destroy();
  // Whatever the broker sends now goes nowhere, as to a chip without power.
  link.remote.removeAllListeners('data');
  link.remote.on('data', () => {});
  setTimeout(() => link.remote.destroy(), HOLD_MAX_MS).unref();
}

function silenceAll(): void {
  for (const link of links) silence(link);
}

function firstLine(socket: Socket, onLine: (line: string, rest: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf(0x0a);
    if (end === -1) return;
    socket.off('data', onData);
    onLine(buffered.subarray(0, end).toString('utf8').trim(), buffered.subarray(end + 1));
  };
  socket.on('data', onData);
}

function serveControl(socket: Socket, rest: Buffer): void {
  control = socket;
  const commands = (data: Buffer) => {
    if (data.toString('utf8').includes('VANISH')) silenceAll();
  };
  if (rest.length) commands(rest);
  socket.on('data', commands);
  socket.on('error', () => {});
  socket.on('close', () => {
    boardGone = true;
    silenceAll();
    maybeExit();
  });
}

function serveLink(board: Socket, host: string, port: number, rest: Buffer): void {
  board.pause();
  // lwIP on the chip sends small segments at once; so does the radio (no Nagle).
  board.setNoDelay(true);
  const remote = tcpConnect({ host, port, noDelay: true });
  const link: Link = { board, remote, silent: false };
  remote.once('connect', () => {
    links.add(link);
    board.write('OK\n');
    if (rest.length) remote.write(rest);
    board.on('data', (d) => link.silent || remote.write(d));
    remote.on('data', (d) => link.silent || board.write(d));
    board.resume();
    // An orderly close by the firmware is a real FIN to the broker, and the other way round.
    // A dying board process closes this socket too, at the same moment as the control
    // connection: wait to see which it was before the broker hears anything.
    board.on('end', () => afterSettling(() => remote.end()));
    remote.on('end', () => link.silent || board.end());
  });
  remote.on('error', (err: NodeJS.ErrnoException) => {
    if (!links.has(link)) board.end(`ERR ${err.code ?? 'EIO'}\n`);
    else if (!link.silent) board.destroy();
  });
  remote.on('close', () => {
    links.delete(link);
    if (!link.silent) board.destroy();
    maybeExit();
  });
  board.on('error', () => {});
  board.on('close', () => afterSettling(() => links.has(link) && remote.destroy()));
  function afterSettling(propagate: () => void): void {
    setTimeout(() => link.silent || propagate(), SETTLE_MS);
  }
}

const server = createServer((socket) => {
  socket.on('error', () => {});
  firstLine(socket, (line, rest) => {
    const [verb, host, port] = line.split(' ');
    if (verb === 'CONTROL') return serveControl(socket, rest);
    if (verb === 'CONNECT' && host && Number(port) > 0) return serveLink(socket, host, Number(port), rest);
    socket.end('ERR EINVAL\n');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`radio 127.0.0.1:${port}\n`);
});
setTimeout(() => {
  if (!control) process.exit(0);
}, CONTROL_WAIT_MS).unref();
