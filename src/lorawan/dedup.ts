// Suppresses the copies of one transmission that reach us more than once (two channels of a
// concentrator, UDP and serial sources hearing the same device) within a short window.

export interface DedupOptions {
  /** How long a PHYPayload is remembered after first being seen. Default 200 ms. */
  windowMs?: number;
  /** Bound on remembered payloads; the oldest is forgotten first. Default 10000. */
  maxEntries?: number;
}

export class DedupCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  /** Payload bytes (latin1 string) -> time first seen; insertion order is time order. */
  private readonly firstSeen = new Map<string, number>();

  constructor(opts: DedupOptions = {}) {
    this.windowMs = opts.windowMs ?? 200;
    this.maxEntries = opts.maxEntries ?? 10_000;
    if (!(this.windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${this.windowMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    }
  }

  /**
   * True when the same bytes were first seen less than `windowMs` before `nowMs` (a duplicate
   * to drop); otherwise remembers them and returns false. The window is not extended by
   * duplicates, so a device's genuine retransmission seconds later passes.
   */
  seen(payload: Uint8Array, nowMs: number): boolean {
    this.expire(nowMs);
    const key = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
    const at = this.firstSeen.get(key);
    if (at !== undefined) {
      if (nowMs - at < this.windowMs) return true;
      this.firstSeen.delete(key);
    }
    this.firstSeen.set(key, nowMs);
    if (this.firstSeen.size > this.maxEntries) {
      const oldest = this.firstSeen.keys().next().value;
      if (oldest !== undefined) this.firstSeen.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.firstSeen.size;
  }

  clear(): void {
    this.firstSeen.clear();
  }

  private expire(nowMs: number): void {
    for (const [key, at] of this.firstSeen) {
      if (nowMs - at < this.windowMs) break;
      this.firstSeen.delete(key);
    }
  }
}
