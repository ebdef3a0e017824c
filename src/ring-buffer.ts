// A list that keeps only the last `capacity` items pushed: what the technician's page shows (recent
// uplinks, recent warnings) must hold a fixed amount of memory however long the daemon runs.

export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  /** Items pushed since creation, including those overwritten. */
  pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count += 1;
    this.pushed += 1;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }

  /** Newest first, at most `n`. */
  newest(n = this.count): T[] {
    const out: T[] = [];
    for (let i = 1; i <= Math.min(n, this.count); i++) out.push(this.items[(this.next - i + this.capacity) % this.capacity] as T);
    return out;
  }
}
