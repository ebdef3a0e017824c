// Record values are carved from chunks of their own instead of Node's shared 8 KiB buffer pool.
// A record lives until the hub acknowledges it, while most pool users (datagram copies, base64
// payloads, batch pieces) die at once; sharing slabs with them left each slab a third used, and
// the slabs were most of the daemon's external memory under load. Records are appended and
// acknowledged in seq order, so a chunk is filled by neighbours and freed soon after its last one.
const CHUNK_BYTES = 64 * 1024;
/** Larger values get a buffer of their own: one must not pin a chunk mostly empty. */
const OWN_BUFFER_FROM = CHUNK_BYTES / 8;

export class ValueArena {
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;

  /** Uninitialised bytes for one value, which the caller fills completely. */
  take(bytes: number): Buffer {
    if (bytes >= OWN_BUFFER_FROM) return Buffer.allocUnsafeSlow(bytes);
    if (this.used + bytes > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return out;
  }
}
