// Deleting delivered records: an explicit seq list, or a range whose stored sizes come from the
// recent cache or the read memo when they can, so acknowledging live traffic reads nothing back.
import { recordKey, seqFromRecordKey } from './keys.js';
import type { ReadMemo } from './read-memo.js';
import type { Retention } from './retention.js';
import type { StoredState } from './stored-state.js';
import { readRange, type StoredEntry } from './store.js';

/** Records per read/delete chunk. */
const CHUNK = 512;

export class OutboxAcks {
  constructor(
    private readonly state: StoredState,
    private readonly memo: ReadMemo,
    private readonly retention: Retention,
  ) {}

  /** Sorted, distinct seqs. Call inside the serial queue. */
  async ackSeqs(seqs: number[]): Promise<void> {
    const state = this.state;
    if (seqs.length > 0) this.memo.forget(seqs[0], seqs[seqs.length - 1]);
    for (let i = 0; i < seqs.length; i += CHUNK) {
      const keys = seqs.slice(i, i + CHUNK).map(recordKey);
      const values = await state.db.getMany(keys);
      const found: StoredEntry[] = [];
      values.forEach((value, j) => {
        const key = keys[j];
        if (value !== undefined && key) found.push({ key, seq: seqFromRecordKey(key), value });
      });
      if (found.length > 0) {
        await state.deleteEntries(found);
        state.counters.acked += found.length;
      }
    }
    this.retention.checkOverflowRecovered();
  }

  /**
   * Several inclusive ranges (acknowledgements that queued up meanwhile). Call inside the serial
   * queue. What the recent cache holds goes in one deletion; older ranges are read back as ackRange does.
   */
  async ackRanges(ranges: ReadonlyArray<{ from: number; to: number }>): Promise<void> {
    const state = this.state;
    const cached: StoredEntry[] = [];
    for (const { from, to } of mergeRanges(ranges)) {
      if (!state.recent.covers(from - 1)) {
        await this.ackRange(from, to);
        continue;
      }
      for (const e of state.recent.range(from, to)) cached.push({ key: recordKey(e.seq), seq: e.seq, value: e.value });
    }
    if (cached.length > 0) {
      await state.deleteEntries(cached);
      state.counters.acked += cached.length;
    }
    this.retention.checkOverflowRecovered();
  }

  /** The inclusive range from..to. Call inside the serial queue. */
  async ackRange(from: number, to: number): Promise<void> {
    const state = this.state;
    if (state.recent.covers(from - 1)) {
      // Every stored record of the range is cached: no need to read them back for their sizes.
      const cached = state.recent.range(from, to).map((e) => ({ key: recordKey(e.seq), seq: e.seq, value: e.value }));
      if (cached.length > 0) {
        await state.deleteEntries(cached);
        state.counters.acked += cached.length;
      }
      this.retention.checkOverflowRecovered();
      return;
    }
    const remembered = this.memo.take(from, to);
    if (remembered) {
      await state.deleteEntries(remembered);
      state.counters.acked += remembered.length;
      this.retention.checkOverflowRecovered();
      return;
    }
    let start = Math.max(from, state.firstSeq ?? from);
    while (start <= to) {
      const found = await readRange(state.db, { gte: recordKey(start), lte: recordKey(to) }, CHUNK);
      if (found.length === 0) break;
      await state.deleteEntries(found);
      state.counters.acked += found.length;
      const lastSeq = found[found.length - 1]?.seq;
      if (lastSeq === null || lastSeq === undefined) break;
      start = lastSeq + 1;
    }
    this.retention.checkOverflowRecovered();
  }
}

/** Sorted by start, overlapping and adjacent ranges joined. */
export function mergeRanges(ranges: ReadonlyArray<{ from: number; to: number }>): Array<{ from: number; to: number }> {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}
