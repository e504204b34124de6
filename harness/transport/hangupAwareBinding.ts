import { read } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

const readAsync = promisify(read);

type Binding = typeof SerialPort.binding;
type PortBinding = Awaited<ReturnType<Binding['open']>>;

/** The parts of bindings-cpp's Linux/Darwin port that a read needs. */
interface UnixPort {
  fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable', callback: (err: Error | null) => void): unknown };
}

/**
 * serialport's binding with one fix. On Unix its read retries a zero-byte read forever
 * (serialport/bindings-cpp#162), and a tty that was hung up — a USB serial adapter unplugged,
 * an ESP32-S3 USB-Serial/JTAG port gone on chip reset, a pty whose master closed — reads zero
 * bytes: the process spins and the loss is never reported. Here a zero-byte read is the
 * disconnect it is (with VMIN=1 and O_NONBLOCK a live tty with no data reads EAGAIN instead).
 */
export const hangupAwareBinding: Binding = {
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]): Promise<PortBinding> {
    const port = await SerialPort.binding.open(options as never);
    if ('poller' in port && 'fd' in port) {
      const unix = port as unknown as UnixPort;
      port.read = (buffer: Buffer, offset: number, length: number) => readOnce(unix, buffer, offset, length);
    }
    return port;
  },
} as Binding;

async function readOnce(port: UnixPort, buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    if (port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    try {
      const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
      if (bytesRead === 0) throw Object.assign(new Error('the device hung up'), { disconnect: true });
      return { buffer, bytesRead };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      // Closed while the read was in flight: its poller is gone, and polling it would crash.
      if (!port.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (e) => (e ? reject(e) : resolve())));
    }
  }
}
