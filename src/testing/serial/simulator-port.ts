// The simulated device's end of the pty: opened by path with serialport like a real UART would
// be, with writes serialised so replies never interleave, and optionally split into 1-3 byte
// pieces (each drained before the next) so the host sees reads broken at arbitrary bytes.
import { SerialPort } from 'serialport';

export interface SimulatorPortOptions {
  path: string;
  baudRate?: number;
  fragmentWrites?: boolean;
  /** Uniform in [0, 1); seeded by the simulator so a failing run can be repeated. */
  random: () => number;
  onData: (chunk: Buffer) => void;
}

export class SimulatorPort {
  private port: SerialPort | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Bytes the simulator wanted to send while the port was closed (the device was "unplugged"). */
  droppedBytes = 0;

  constructor(private readonly options: SimulatorPortOptions) {}

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port) return;
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate ?? 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    port.on('data', (chunk: Buffer) => this.options.onData(chunk));
    // Losing the host side is normal for a simulator; the error only means the pty went away.
    port.on('error', () => undefined);
    this.port = port;
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    await this.chain;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Queues bytes for the host; resolves when they were handed to the pty. */
  write(data: Buffer): Promise<void> {
    const next = this.chain.then(() => this.writeNow(data));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async writeNow(data: Buffer): Promise<void> {
    if (!this.options.fragmentWrites) return this.writeChunk(data, false);
    let offset = 0;
    while (offset < data.length) {
      const size = 1 + Math.floor(this.options.random() * 3);
      await this.writeChunk(data.subarray(offset, offset + size), true);
      offset += size;
    }
  }

  private writeChunk(chunk: Buffer, drain: boolean): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) {
      this.droppedBytes += chunk.length;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      port.write(chunk, (error) => {
        if (error || !drain) return resolve();
        port.drain(() => resolve());
      });
    });
  }
}

/** mulberry32: a small seeded PRNG, enough for fault injection. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
