// Large buffers handed back after use and handed out again, instead of one allocation per use.
// V8 frees a buffer that outlived two young-generation collections only in a full collection, and
// counts its bytes towards starting one: at full rate the hub batches alone (each held until the
// broker's acknowledgement) were 50-77 MB per 100,000 frames, and with the outbox's own buffers
// they started a full collection every 4,000-5,000 frames.
// Buffers come in power-of-two sizes. One is taken back only as the very Buffer the pool lent
// last for its memory, so a buffer handed back twice (even after it was lent again), or one from
// elsewhere, can never be handed out to two users.

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** The Buffer each memory the pool made is lent as now. */
  private readonly lent = new WeakMap<ArrayBuffer, Buffer>();

  constructor(
    /** Below this a request gets an ordinary buffer (from Node's shared pool when small). */
    private readonly minBytes: number,
    /** Buffers of one size kept for reuse; more are let go. */
    private readonly keepPerSize: number,
  ) {}

  /** `bytes` uninitialised bytes, which the caller fills. */
  take(bytes: number): Buffer {
    if (bytes < this.minBytes) return Buffer.allocUnsafe(bytes);
    const size = 2 ** Math.ceil(Math.log2(bytes));
    const memory = this.free.get(size)?.pop() ?? (Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer);
    const buf = Buffer.from(memory, 0, bytes);
    this.lent.set(memory, buf);
    return buf;
  }

  /** Hands a buffer from `take` back: the caller, and everyone it gave it to, are done with it. */
  give(buf: Buffer): void {
    const memory = buf.buffer as ArrayBuffer;
    if (this.lent.get(memory) !== buf) return;
    this.lent.delete(memory);
    let list = this.free.get(memory.byteLength);
    if (!list) this.free.set(memory.byteLength, (list = []));
    if (list.length < this.keepPerSize) list.push(memory);
  }

  /** Bytes held for reuse. */
  get idleBytes(): number {
    let bytes = 0;
    for (const [size, list] of this.free) bytes += size * list.length;
    return bytes;
  }
}
