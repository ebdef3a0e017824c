// A Map for keys a peer chooses (gateway EUIs, tokens, addresses): at most `maxEntries` entries,
// each forgotten `ttlMs` after it was last set. Whatever a peer sends, it holds a bounded amount
// of memory. Insertion order is last-set order, so both the expiry sweep and the eviction of the
// least recently set entry look at the head only.

export interface BoundedMapOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

export class BoundedMap<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Entries pushed out because the map was full (not expired ones). */
  evicted = 0;

  constructor(opts: BoundedMapOptions) {
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${opts.maxEntries}`);
    if (!(opts.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${opts.ttlMs}`);
    this.maxEntries = opts.maxEntries;
    this.ttlMs = opts.ttlMs;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, unless it expired (then it is removed). Reading does not refresh an entry. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() - e.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V): void {
    const now = this.now();
    this.sweep(now);
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      this.evicted += 1;
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Drops expired entries from the head; cheap, as only expired ones are visited. */
  sweep(now = this.now()): void {
    for (const [key, e] of this.entries) {
      if (now - e.at < this.ttlMs) break;
      this.entries.delete(key);
    }
  }
}
