// Frames the binary protocol of the Semtech LoRa 2.4 GHz gateway MCU (gateway_2g4_hal). Pure: no I/O.
// Every frame is a 4-byte header [request id, size MSB, size LSB, order] followed by `size` bytes.
// The header carries no checksum, so the order byte and the size limit are the only ways to tell a
// real header from noise: a header failing either is shifted out one byte at a time until a
// plausible one lines up again.
import { ACK_ORDERS, EVENT_ORDERS, ORDER, REQUEST_ORDERS } from './messages.js';

export const HEADER_SIZE = 4;
/** The host HAL's read buffer: header plus payload never exceed this. */
export const MAX_READ_FRAME = 500;
/** The host HAL's write buffer (requests). */
export const MAX_WRITE_FRAME = 280;

export interface Semtech2g4Frame {
  requestId: number;
  order: number;
  payload: Buffer;
}

export interface Semtech2g4FramerStats {
  frames: number;
  /** Bytes dropped while looking for a header (noise, broken frames). */
  discardedBytes: number;
  /** Headers whose size field exceeded the frame limit. */
  oversizedFrames: number;
}

export interface Semtech2g4FramerOptions {
  /** Order bytes that may start a frame in this direction. */
  validOrders: ReadonlySet<number>;
  /** Largest whole frame (header included). */
  maxFrameBytes: number;
}

const DEVICE_TO_HOST_ORDERS: ReadonlySet<number> = new Set([...ACK_ORDERS, ...EVENT_ORDERS, ORDER.UNKNOWN_COMMAND]);

export class Semtech2g4Framer {
  readonly stats: Semtech2g4FramerStats = { frames: 0, discardedBytes: 0, oversizedFrames: 0 };
  private rest: Buffer = Buffer.alloc(0);

  constructor(private readonly options: Semtech2g4FramerOptions) {}

  /** Framer for what the MCU sends to the host (acks, events, unknown-command). */
  static forHost(): Semtech2g4Framer {
    return new Semtech2g4Framer({ validOrders: DEVICE_TO_HOST_ORDERS, maxFrameBytes: MAX_READ_FRAME });
  }

  /** Framer for what the host sends to the MCU (requests); used by the device simulator. */
  static forDevice(): Semtech2g4Framer {
    return new Semtech2g4Framer({ validOrders: new Set(REQUEST_ORDERS), maxFrameBytes: MAX_WRITE_FRAME });
  }

  /** Feeds a chunk read from the port; returns the frames it completed, in order. */
  push(chunk: Buffer): Semtech2g4Frame[] {
    const data = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const frames: Semtech2g4Frame[] = [];
    const { validOrders, maxFrameBytes } = this.options;
    let offset = 0;
    while (data.length - offset >= HEADER_SIZE) {
      const order = data[offset + 3];
      const size = (data[offset + 1] << 8) | data[offset + 2];
      if (!validOrders.has(order)) {
        offset += 1;
        this.stats.discardedBytes += 1;
        continue;
      }
      if (HEADER_SIZE + size > maxFrameBytes) {
        offset += 1;
        this.stats.discardedBytes += 1;
        this.stats.oversizedFrames += 1;
        continue;
      }
      if (data.length - offset < HEADER_SIZE + size) break;
      const start = offset + HEADER_SIZE;
      // Copied: the caller may reuse the chunk it gave us.
      frames.push({ requestId: data[offset], order, payload: Buffer.from(data.subarray(start, start + size)) });
      offset = start + size;
    }
    this.rest = offset >= data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    this.stats.frames += frames.length;
    return frames;
  }

  /** Bytes held for a frame that has not completed yet. */
  get buffered(): number {
    return this.rest.length;
  }
}

/** Builds one frame: header plus payload. */
export function encodeFrame(requestId: number, order: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > 0xffff) throw new RangeError(`payload of ${payload.length} bytes does not fit the 16-bit size field`);
  const header = Buffer.from([requestId & 0xff, payload.length >> 8, payload.length & 0xff, order & 0xff]);
  return payload.length === 0 ? header : Buffer.concat([header, payload]);
}
