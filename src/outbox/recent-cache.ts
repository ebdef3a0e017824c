// The newest flushed records, kept in memory (bounded by bytes) so live traffic is read back and
// acknowledged without touching LevelDB again. Invariant: every stored record with seq > floor is
// in the cache; older ones are only on disk (the backlog after an outage or a restart).
// The entries are the StoredRecords the group writer made when the records were appended, handed
// out as they are: a record costs one object from its append to its acknowledgement.
import { StoredRecord } from './stored-record.js';

/**
 * Stands in the slots before `start`: a slot left pointing at its record kept the record's value,
 * and with it the whole 64 KiB chunk it was carved from (value-arena.ts), alive until the next
 * compaction, up to twice the cache's byte bound (7.6 MB of chunks for a 4 MiB cache mid-drain).
 */
const RELEASED: StoredRecord = Object.freeze(new StoredRecord(-1, '', Buffer.alloc(0)));

/**
 * Nothing is kept while the records stored before the cache's hold this many times its bound: an
 * outage's backlog. The hub reaches the newest records only after it, so they would be read from
 * memory a whole drain later, and holding them cost 4 MiB through the outage and the drain.
 */
const BACKLOG_BOUNDS_WITHOUT_CACHE = 8;

export class RecentCache {
  private entries: StoredRecord[] = [];
  /** Index of the first live entry; the slots before it hold RELEASED, and are cut off now and then. */
  private start = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Every stored record with seq > floor is cached. */
    public floor: number,
  ) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  /** True when the records after `afterSeq` can all be served from memory. */
  covers(afterSeq: number): boolean {
    return afterSeq >= this.floor;
  }

  first(): StoredRecord | undefined {
    return this.entries[this.start];
  }

  last(): StoredRecord | undefined {
    return this.size > 0 ? this.entries[this.entries.length - 1] : undefined;
  }

  /** Records just written (seqs ascending, above everything cached); `storedBytes`: all stored now. */
  add(records: StoredRecord[], storedBytes: number): void {
    for (const r of records) {
      this.entries.push(r);
      this.bytes += r.json.length;
    }
    if (storedBytes - this.bytes > this.maxBytes * BACKLOG_BOUNDS_WITHOUT_CACHE) {
      this.releaseAll();
      return;
    }
    while (this.bytes > this.maxBytes && this.size > 0) this.floor = this.dropFirst().seq;
    this.compact();
  }

  /** Forgets every record: from now on they are read from disk. */
  private releaseAll(): void {
    const last = this.last();
    if (last) this.floor = last.seq;
    this.entries = [];
    this.start = 0;
    this.bytes = 0;
  }

  private indexAfter(seq: number): number {
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Cached records with seq > afterSeq, at most maxRecords and maxBytes (at least one). */
  read(afterSeq: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    let used = 0;
    for (let i = this.indexAfter(afterSeq); i < this.entries.length && out.length < maxRecords; i++) {
      const e = this.entries[i];
      if (out.length > 0 && used + e.json.length > maxBytes) break;
      out.push(e);
      used += e.json.length;
    }
    return out;
  }

  /** The cached records with from <= seq <= to. */
  range(from: number, to: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (let i = this.indexAfter(from - 1); i < this.entries.length && this.entries[i].seq <= to; i++) out.push(this.entries[i]);
    return out;
  }

  /** Forgets deleted records (acknowledged, dropped or corrupt). */
  remove(seqs: readonly number[]): void {
    if (seqs.length === 0 || this.size === 0) return;
    // Acks delete from the front in seq order: the common case (and acknowledging the backlog,
    // all below the cache) is a walk over `seqs` advancing `start`, without a set. A seq below the
    // first cached one is not cached, since seqs ascend through the cache.
    let i = 0;
    for (; i < seqs.length && this.size > 0; i++) {
      const front = this.entries[this.start].seq;
      if (seqs[i] < front) continue;
      if (seqs[i] !== front) break;
      this.dropFirst();
    }
    if (i === seqs.length || this.size === 0) {
      this.compact();
      return;
    }
    const doomed = new Set(seqs.slice(i));
    while (this.size > 0 && doomed.has(this.entries[this.start].seq)) doomed.delete(this.dropFirst().seq);
    if (doomed.size > 0) {
      const kept: StoredRecord[] = [];
      for (let k = this.start; k < this.entries.length; k++) {
        const e = this.entries[k];
        if (doomed.has(e.seq)) this.bytes -= e.json.length;
        else kept.push(e);
      }
      this.entries = kept;
      this.start = 0;
    }
    this.compact();
  }

  /** Takes the first live entry out: its slot lets go of it at once (see RELEASED). */
  private dropFirst(): StoredRecord {
    const first = this.entries[this.start];
    this.entries[this.start++] = RELEASED;
    this.bytes -= first.json.length;
    return first;
  }

  private compact(): void {
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
