import { spawn } from 'node:child_process';
import { connect as tcpConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';

const RADIO = fileURLToPath(new URL('./radio.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/**
 * The board's side of its network: TCP connections go out through the radio process
 * (radio.ts), which outlives this process so that a power cut is silent to the broker.
 */
export class Network {
  private constructor(
    private readonly radioPort: number,
    private readonly control: Socket,
    readonly radioPid: number,
  ) {}

  static async start(): Promise<Network> {
    // Detached: a power cut (SIGKILL of this process) must not take the radio with it.
    const child = spawn(process.execPath, ['--import', 'tsx', RADIO], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the radio did not start')), START_TIMEOUT_MS);
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^radio 127\.0\.0\.1:(\d+)\n/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`the radio exited (${code}) before it listened`)));
    });
    child.stdout!.destroy();
    child.unref();
    const control = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => control.once('connect', resolve).once('error', reject));
    control.write('CONTROL\n');
    control.on('error', () => {});
    control.unref();
    return new Network(port, control, child.pid!);
  }

  /** A TCP connection through the radio; errors carry the remote's errno code (ECONNREFUSED…). */
  connect(host: string, port: number): Duplex {
    return new RadioSocket(this.radioPort, host, port);
  }

  /** The chip reset or lost power: its connections go silent, without a FIN. */
  vanish(): void {
    this.control.write('VANISH\n');
  }
}

/** A socket whose bytes flow once the radio has reached the remote (`OK`), as net.Socket would. */
class RadioSocket extends Duplex {
  private readonly socket: Socket;
  private ready = false;
  private pending: { chunk: Buffer; done: (err?: Error | null) => void }[] = [];

  constructor(radioPort: number, host: string, port: number) {
    super();
    this.socket = tcpConnect({ host: '127.0.0.1', port: radioPort, noDelay: true });
    this.socket.write(`CONNECT ${host} ${port}\n`);
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(0x0a);
      if (end === -1) return;
      this.socket.off('data', onHead);
      const line = head.subarray(0, end).toString('utf8').trim();
      const rest = head.subarray(end + 1);
      if (line !== 'OK') {
        const code = line.split(' ')[1] ?? 'EIO';
        this.destroy(Object.assign(new Error(`connect ${code} ${host}:${port}`), { code }));
        return;
      }
      this.ready = true;
      for (const { chunk: c, done } of this.pending) this.socket.write(c, done);
      this.pending = [];
      this.emit('connect');
      if (rest.length) this.push(rest);
      this.socket.on('data', (data: Buffer) => {
        if (!this.push(data)) this.socket.pause();
      });
    };
    this.socket.on('data', onHead);
    this.socket.on('end', () => this.push(null));
    this.socket.on('error', (err) => this.destroy(err));
    this.socket.on('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.ready) this.socket.write(chunk, done);
    else this.pending.push({ chunk, done });
  }

  override _read(): void {
    this.socket.resume();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
