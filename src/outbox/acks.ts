// Deleting delivered records: an explicit seq list, or a range whose stored sizes come from the
// recent cache or the read memo when they can, so acknowledging live traffic reads nothing back.
import { recordKey } from './keys.js';
import type { ReadMemo } from './read-memo.js';
import type { Retention } from './retention.js';
import { ascendingDistinct, deletionOf, type Deletion, type StoredState } from './stored-state.js';
import { readAfter, readKeys, type StoredRef } from './store.js';

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
      const found = await readKeys(state.db, seqs.slice(i, i + CHUNK).map(recordKey));
      if (found.length > 0) {
        await state.deleteEntries(deletionOf(found));
        state.counters.acked += found.length;
      }
    }
    this.retention.checkOverflowRecovered();
  }

  /**
   * Several inclusive ranges (acknowledgements that queued up meanwhile). Call inside the serial
   * queue. What the recent cache or the read memo holds goes in one deletion; ranges known to
   * neither are read back for their sizes first.
   */
  async ackRanges(ranges: ReadonlyArray<{ from: number; to: number }>): Promise<void> {
    const state = this.state;
    // What the cache holds is collected as bare seqs (no object per record: live traffic's path).
    const cached: Deletion = { seqs: [], keys: [], bytes: 0 };
    const cachedRanges: Array<{ from: number; to: number }> = [];
    const remembered: StoredRef[] = [];
    const unknown: Array<{ from: number; to: number }> = [];
    // One range at a time, not merged first: the memo holds each batch's read under its own range.
    for (const { from, to } of ranges) {
      if (state.recent.covers(from - 1)) {
        // A read from disk may have run on into the cached seqs: it must not list them any more.
        this.memo.forget(from, to);
        cached.bytes += state.recent.collect(from, to, cached.seqs);
        cachedRanges.push({ from, to });
        continue;
      }
      const refs = this.memo.take(from, to);
      if (!refs) unknown.push({ from, to });
      else for (const e of refs) if (e.seq !== null) remembered.push(e);
    }
    // The usual list (one range, or ranges acknowledged in order) is already one.
    const deletion = remembered.length === 0 && ascendingDistinct(cached.seqs) ? cached : this.mergedDeletion(cachedRanges, remembered);
    if (deletion.seqs.length > 0) {
      await state.deleteEntries(deletion);
      state.counters.acked += deletion.seqs.length;
    }
    for (const { from, to } of mergeRanges(unknown)) await this.deleteStoredRange(from, to);
    this.retention.checkOverflowRecovered();
  }

  /**
   * The cached records of these ranges and the remembered entries as one deletion in seq order,
   * each seq once: a seq listed by two overlapping ranges is deleted (and counted) once.
   */
  private mergedDeletion(cachedRanges: ReadonlyArray<{ from: number; to: number }>, remembered: readonly StoredRef[]): Deletion {
    const bytesOf = new Map<number, number>();
    for (const { from, to } of cachedRanges) {
      const seqs: number[] = [];
      const sizes: number[] = [];
      this.state.recent.collect(from, to, seqs, sizes);
      seqs.forEach((seq, i) => bytesOf.set(seq, sizes[i]));
    }
    for (const ref of remembered) bytesOf.set(ref.seq as number, ref.bytes);
    const seqs = [...bytesOf.keys()].sort((a, b) => a - b);
    let bytes = 0;
    for (const seq of seqs) bytes += bytesOf.get(seq)!;
    return { seqs, keys: [], bytes };
  }

  /** Reads the stored records of from..to back (for their sizes) and deletes them, a chunk at a time. */
  private async deleteStoredRange(from: number, to: number): Promise<void> {
    const state = this.state;
    let start = Math.max(from, state.firstSeq ?? from);
    while (start <= to) {
      const read = await readAfter(state.db, start - 1, CHUNK, { upTo: to });
      if (read.entries.length > 0) {
        await state.deleteEntries(deletionOf(read.entries));
        state.counters.acked += read.entries.length;
      }
      if (read.exhausted) break;
      start = read.cursor + 1;
    }
  }
}

/** Sorted by start, overlapping and adjacent ranges joined. */
function mergeRanges(ranges: ReadonlyArray<{ from: number; to: number }>): Array<{ from: number; to: number }> {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}
