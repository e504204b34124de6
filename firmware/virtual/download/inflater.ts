import zlib from 'node:zlib';

/**
 * Streaming zlib inflate for FLASH_DEFL_DATA: like the stub's tinfl, each compressed block is
 * decompressed as it arrives and its output handed on before the next block is taken.
 */
export class Inflater {
  private readonly stream = zlib.createInflate();
  private error: Error | null = null;

  constructor(onOutput: (chunk: Buffer) => void) {
    this.stream.on('data', onOutput);
    this.stream.on('error', (err: Error) => {
      this.error = err;
    });
  }

  /**
   * Resolves once every byte this chunk inflates to has gone to onOutput (zlib pushes a
   * chunk's output, in flowing mode, before calling its write callback); rejects on corrupt
   * data, for which zlib emits 'error' and never calls the write callback.
   */
  push(chunk: Uint8Array): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.stream.once('error', onError);
      this.stream.write(chunk, (err) => {
        this.stream.off('error', onError);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    this.stream.removeAllListeners('data');
    this.stream.destroy();
  }
}
