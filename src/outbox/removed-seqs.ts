// Which seqs left the outbox on purpose (acknowledged, or dropped by a counted bound), as merged
// ranges. The batch publisher asks it about every hole in what it reads: a hole nobody removed is a
// record lost without a count, which must never happen silently. Seqs at or below `floor` are not
// tracked (stored before this process opened the outbox, or pruned below the head).

/** Ranges kept before the oldest are folded into the floor; acks are contiguous, so this is rarely hit. */
const MAX_RANGES = 10_000;

export class RemovedSeqs {
  /** Sorted, disjoint, non-adjacent [from, to] ranges above the floor. */
  private ranges: Array<[number, number]> = [];

  constructor(private floor: number) {}

  addRange(from: number, to: number): void {
    if (to <= this.floor) return;
    from = Math.max(from, this.floor + 1);
    // Find the first range that ends at or after from - 1 (touching counts as overlapping).
    let i = this.ranges.length;
    while (i > 0 && this.ranges[i - 1][1] >= from - 1) i -= 1;
    let j = i;
    let lo = from;
    let hi = to;
    while (j < this.ranges.length && this.ranges[j][0] <= to + 1) {
      lo = Math.min(lo, this.ranges[j][0]);
      hi = Math.max(hi, this.ranges[j][1]);
      j += 1;
    }
    this.ranges.splice(i, j - i, [lo, hi]);
    if (this.ranges.length > MAX_RANGES) this.raiseFloor(this.ranges[0][1]);
  }

  add(seqs: Iterable<number>): void {
    const sorted = [...seqs].sort((a, b) => a - b);
    let start = -1;
    let prev = -1;
    for (const s of sorted) {
      if (start >= 0 && s === prev + 1) {
        prev = s;
        continue;
      }
      if (start >= 0) this.addRange(start, prev);
      start = prev = s;
    }
    if (start >= 0) this.addRange(start, prev);
  }

  /** Every seq in from..to was removed on purpose (or is at or below the floor). */
  covers(from: number, to: number): boolean {
    if (to <= this.floor) return true;
    from = Math.max(from, this.floor + 1);
    for (const [lo, hi] of this.ranges) {
      if (lo <= from && to <= hi) return true;
      if (lo > from) return false;
    }
    return false;
  }

  /** Forgets ranges at or below `seq` (nothing is stored there any more). */
  raiseFloor(seq: number): void {
    if (seq <= this.floor) return;
    this.floor = seq;
    while (this.ranges.length > 0 && this.ranges[0][1] <= seq) this.ranges.shift();
    if (this.ranges.length > 0 && this.ranges[0][0] <= seq) this.ranges[0][0] = seq + 1;
  }

  get size(): number {
    return this.ranges.length;
  }
}
