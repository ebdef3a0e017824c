// Hub-side bookkeeping for one gateway's records: de-duplicates by seq and knows which seqs are
// still missing. Memory stays bounded: seqs are kept as a contiguous floor plus a sparse set above.

export interface SeqGap {
  from: number;
  to: number;
}

export class SeqTracker {
  /** Every seq <= floor has been seen (or was before tracking started). */
  private floor: number | undefined;
  private readonly above = new Set<number>();
  private highest = 0;
  duplicates = 0;
  accepted = 0;

  /** true for a new record, false for a duplicate. */
  accept(seq: number): boolean {
    if (this.floor === undefined) {
      // Records before the first one seen were delivered before we started listening.
      this.floor = seq;
      this.highest = seq;
      this.accepted += 1;
      return true;
    }
    if (seq <= this.floor || this.above.has(seq)) {
      this.duplicates += 1;
      return false;
    }
    this.accepted += 1;
    this.highest = Math.max(this.highest, seq);
    if (seq === this.floor + 1) {
      this.floor = seq;
      while (this.above.delete(this.floor + 1)) this.floor += 1;
    } else {
      this.above.add(seq);
    }
    return true;
  }

  /** Ranges of seqs not seen between the first and the highest seen. */
  gaps(): SeqGap[] {
    if (this.floor === undefined) return [];
    const out: SeqGap[] = [];
    const sorted = [...this.above].sort((a, b) => a - b);
    let expected = this.floor + 1;
    for (const s of sorted) {
      if (s > expected) out.push({ from: expected, to: s - 1 });
      expected = s + 1;
    }
    return out;
  }

  get highestSeq(): number {
    return this.highest;
  }
}
