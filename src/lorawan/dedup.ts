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
  /** Payload bytes (latin1 string) -> time first seen. */
  private readonly firstSeen = new Map<string, number>();
  /**
   * The same entries in the order they were first seen, read from `head`: expiry takes them from
   * the front. Iterating the Map for that walked over every entry deleted since its table was last
   * rebuilt, on every frame (2.4 % of the daemon's CPU at 20,000 frames/s).
   */
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

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
    if (at !== undefined && nowMs - at < this.windowMs) return true;
    // A key seen again after its window is remembered anew; its old place in the order is
    // skipped when it comes up, because the time there no longer matches.
    this.firstSeen.set(key, nowMs);
    this.keys.push(key);
    this.times.push(nowMs);
    while (this.firstSeen.size > this.maxEntries) this.forgetFirst();
    return false;
  }

  get size(): number {
    return this.firstSeen.size;
  }

  clear(): void {
    this.firstSeen.clear();
    this.keys = [];
    this.times = [];
    this.head = 0;
  }

  private expire(nowMs: number): void {
    while (this.head < this.keys.length) {
      const key = this.keys[this.head];
      const at = this.times[this.head];
      // Only an entry still remembered at this time can end the expiry (a clock stepped back can
      // make an older place look recent).
      if (this.firstSeen.get(key) === at && nowMs - at < this.windowMs) break;
      this.forgetFirst();
    }
  }

  /** Drops the oldest place in the order, and its entry unless the key was remembered anew since. */
  private forgetFirst(): void {
    const key = this.keys[this.head];
    if (this.firstSeen.get(key) === this.times[this.head]) this.firstSeen.delete(key);
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
