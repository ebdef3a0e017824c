// The newest flushed records, kept in memory (bounded by bytes) so live traffic is read back and
// acknowledged without touching LevelDB again. Invariant: every stored record with seq > floor is
// in the cache; older ones are only on disk (the backlog after an outage or a restart).
// The records stay in the columns they were encoded into (record-columns.ts), as runs in seq
// order: no object per record lives from its write to its acknowledgement. The cache releases each
// row it lets go, so that the columns can be filled again once all of theirs are gone; what it
// reads out is therefore copied, never a view a later record could overwrite.
import { RecordColumns } from './record-columns.js';
import { RecordRun } from './record-run.js';
import type { StoredRecord } from './stored-record.js';

/** Stands in the slots of runs whose records are all gone, so the slot does not keep their columns. */
const EMPTY = new RecordRun(new RecordColumns(1, 1, 1), 0, 0);

/**
 * Nothing is kept while the records stored before the cache's hold this many times its bound: an
 * outage's backlog. The hub reaches the newest records only after it, so they would be read from
 * memory a whole drain later, and holding them cost 4 MiB through the outage and the drain.
 */
const BACKLOG_BOUNDS_WITHOUT_CACHE = 8;

export class RecentCache {
  private runs: RecordRun[] = [];
  /** Index of the first run still holding records; the ones before it are cut off now and then. */
  private start = 0;
  private bytes = 0;
  private records = 0;

  constructor(
    private readonly maxBytes: number,
    /** Every stored record with seq > floor is cached. */
    public floor: number,
  ) {}

  get size(): number {
    return this.records;
  }

  /** True when the records after `afterSeq` can all be served from memory. */
  covers(afterSeq: number): boolean {
    return afterSeq >= this.floor;
  }

  firstSeq(): number | null {
    return this.records > 0 ? this.runs[this.start].firstSeq : null;
  }

  /** capturedAt of the first cached record. */
  firstCapturedAt(): string | null {
    if (this.records === 0) return null;
    const first = this.runs[this.start];
    return first.columns.capturedAtAt(first.lo);
  }

  lastSeq(): number | null {
    return this.records > 0 ? this.runs[this.runs.length - 1].lastSeq : null;
  }

  /** Records just written (seqs ascending, above everything cached); `storedBytes`: all stored now. */
  add(run: RecordRun, storedBytes: number): void {
    if (run.size === 0) return;
    this.runs.push(run);
    this.bytes += run.bytes;
    this.records += run.size;
    if (storedBytes - this.bytes > this.maxBytes * BACKLOG_BOUNDS_WITHOUT_CACHE) {
      this.releaseAll();
      return;
    }
    while (this.bytes > this.maxBytes && this.records > 0) this.floor = this.dropFirst();
    this.compact();
  }

  /** Forgets every record: from now on they are read from disk. */
  private releaseAll(): void {
    const last = this.lastSeq();
    if (last !== null) this.floor = last;
    for (let r = this.start; r < this.runs.length; r++) this.runs[r].columns.release(this.runs[r].size);
    this.runs = [];
    this.start = 0;
    this.bytes = 0;
    this.records = 0;
  }

  /** Index of the first run whose last seq is above `seq` (runs.length when none is). */
  private runAfter(seq: number): number {
    let lo = this.start;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs[mid].lastSeq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Cached records with seq > afterSeq, at most maxRecords and maxBytes (at least one), their
   * values copied into one buffer of their own.
   */
  read(afterSeq: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    // First where the read ends, then one buffer for all of it.
    let count = 0;
    let used = 0;
    const firstRun = this.runAfter(afterSeq);
    scan: for (let r = firstRun; r < this.runs.length; r++) {
      const run = this.runs[r];
      for (let row = run.rowAfter(afterSeq); row < run.hi; row++) {
        const bytes = run.columns.bytesAt(row);
        if (count >= maxRecords || (count > 0 && used + bytes > maxBytes)) break scan;
        count += 1;
        used += bytes;
      }
    }
    const out: StoredRecord[] = [];
    const into = Buffer.allocUnsafe(used);
    let at = 0;
    for (let r = firstRun; out.length < count; r++) {
      const run = this.runs[r];
      for (let row = run.rowAfter(afterSeq); row < run.hi && out.length < count; row++) {
        const stored = run.columns.storedCopyAt(row, into, at);
        at += stored.json.length;
        out.push(stored);
      }
    }
    return out;
  }

  /**
   * Appends the seqs of the cached records with from <= seq <= to to `seqs` (and their stored
   * bytes to `sizes`, when given); returns their stored bytes in all.
   */
  collect(from: number, to: number, seqs: number[], sizes?: number[]): number {
    let bytes = 0;
    for (let r = this.runAfter(from - 1); r < this.runs.length; r++) {
      const run = this.runs[r];
      const c = run.columns;
      let row = run.rowAfter(from - 1);
      const first = row;
      for (; row < run.hi && c.seqAt(row) <= to; row++) {
        seqs.push(c.seqAt(row));
        sizes?.push(c.bytesAt(row));
      }
      bytes += c.bytesBetween(first, row);
      if (row < run.hi) break;
    }
    return bytes;
  }

  /** Forgets deleted records (acknowledged, dropped or corrupt); `seqs` in any order, best ascending. */
  remove(seqs: readonly number[]): void {
    if (seqs.length === 0 || this.records === 0) return;
    // Acks delete from the front in seq order: the common case (and acknowledging the backlog,
    // all below the cache) is a walk over `seqs` advancing the first run, without a set. A seq
    // below the first cached one is not cached, since seqs ascend through the cache.
    let i = 0;
    for (; i < seqs.length && this.records > 0; i++) {
      const front = this.runs[this.start].firstSeq;
      if (seqs[i] < front) continue;
      if (seqs[i] !== front) break;
      this.dropFirst();
    }
    if (i < seqs.length && this.records > 0) this.removeScattered([...new Set(seqs.slice(i))].sort((a, b) => a - b));
    this.compact();
  }

  /** Rare: deletions (ascending, distinct) that are not the cache's oldest records. Runs are cut around each. */
  private removeScattered(doomed: readonly number[]): void {
    const kept: RecordRun[] = [];
    let d = 0;
    for (let r = this.start; r < this.runs.length; r++) {
      const run = this.runs[r];
      const c = run.columns;
      while (d < doomed.length && doomed[d] < run.firstSeq) d++;
      if (d === doomed.length || doomed[d] > run.lastSeq) {
        kept.push(run);
        continue;
      }
      let lo = run.lo;
      for (let row = run.lo; row < run.hi; row++) {
        const seq = c.seqAt(row);
        while (d < doomed.length && doomed[d] < seq) d++;
        if (d < doomed.length && doomed[d] === seq) {
          if (row > lo) kept.push(new RecordRun(c, lo, row));
          this.bytes -= c.bytesAt(row);
          this.records -= 1;
          c.release(1);
          lo = row + 1;
        }
      }
      if (run.hi > lo) kept.push(new RecordRun(c, lo, run.hi));
    }
    this.runs = kept;
    this.start = 0;
  }

  /** Takes the oldest cached record out; returns its seq. A run is let go with its last record. */
  private dropFirst(): number {
    const run = this.runs[this.start];
    const seq = run.firstSeq;
    this.bytes -= run.columns.bytesAt(run.lo);
    this.records -= 1;
    run.lo += 1;
    run.columns.release(1);
    if (run.lo === run.hi) this.runs[this.start++] = EMPTY;
    return seq;
  }

  private compact(): void {
    if (this.start > 64 && this.start * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.start);
      this.start = 0;
    }
  }
}
