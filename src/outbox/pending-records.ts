// The records appended and not yet handed to a group write, encoded straight into record columns
// (record-columns.ts) of a fixed size, one after the other. A group write takes the oldest of them
// as a run: a window on those columns, no copy. Columns whose rows were all released (written and
// acknowledged, or dropped) come back here and are filled again: at full rate a new buffer per
// group was as many bytes as the records themselves, each freed by V8 only in a full collection.
import { RecordColumns } from './record-columns.js';
import { RecordRun } from './record-run.js';
import { encodeRecord, type NewRecord } from './record-encoding.js';

/**
 * Value bytes of one set of columns: about 1,200 records of our pipeline. The recent cache's 4 MiB
 * then span 9-10 sets; larger sets saved no CPU at full rate and held more at low rates.
 */
const COLUMN_BYTES = 512 * 1024;
/** Rows of one set of columns: room for records of 128 bytes on average. */
const COLUMN_ROWS = 4096;
/** capturedAt from our pipeline is 24 ASCII characters. */
const TIME_BYTES_PER_ROW = 24;
/** Released columns kept for reuse (at full rate one is released about as often as one fills); more are left to the garbage collector. */
const SPARE_COLUMNS = 1;

export class PendingRecords {
  /** Waiting records in append order: windows on columns, the last one on the columns filled now. */
  private readonly waiting: RecordRun[] = [];
  private waitingCount = 0;
  private columns: RecordColumns;
  private readonly spare: RecordColumns[] = [];
  private readonly recycle = (columns: RecordColumns): void => {
    if (columns.byteCapacity !== COLUMN_BYTES || this.spare.length >= SPARE_COLUMNS) return;
    columns.reset();
    this.spare.push(columns);
  };

  constructor() {
    this.columns = this.freshColumns();
  }

  get count(): number {
    return this.waitingCount;
  }

  /**
   * Encodes the record (its only encoding: batches splice these bytes) as the newest pending one;
   * returns its value's length. Throws OutboxArgumentError, queueing nothing, for a record that
   * cannot be stored.
   */
  add(seq: number, record: NewRecord): number {
    const timeBytes = typeof record?.capturedAt === 'string' ? Buffer.byteLength(record.capturedAt, 'utf8') : 0;
    let target = this.columns;
    const value = encodeRecord(seq, record, (bytes) => {
      target = this.roomFor(bytes, timeBytes);
      return target.reserve(bytes);
    });
    if (!target.holdsReserved(value)) {
      // Encoded elsewhere (a record carrying a seq of its own): copied in.
      target = this.roomFor(value.length, timeBytes);
      value.copy(target.reserve(value.length));
    }
    target.commit(seq, value.length, record);
    const last = this.waiting[this.waiting.length - 1];
    if (last && last.columns === target && last.hi === target.rows - 1) last.hi += 1;
    else this.waiting.push(new RecordRun(target, target.rows - 1, target.rows));
    this.waitingCount += 1;
    return value.length;
  }

  /**
   * Takes the oldest pending records, at least one (the caller checks `count`) and at most `upTo`,
   * as long as their values stay within `maxBytes` and the columns of the oldest.
   */
  take(upTo: number, maxBytes: number): RecordRun {
    const first = this.waiting[0];
    const c = first.columns;
    let to = first.lo + 1;
    let bytes = c.bytesAt(first.lo);
    while (to - first.lo < upTo && to < first.hi && bytes + c.bytesAt(to) <= maxBytes) {
      bytes += c.bytesAt(to);
      to += 1;
    }
    this.waitingCount -= to - first.lo;
    if (to === first.hi) {
      this.waiting.shift();
      return first;
    }
    const run = new RecordRun(c, first.lo, to);
    first.lo = to;
    return run;
  }

  /** Value bytes of the oldest pending record (the caller checks `count`). */
  oldestBytes(): number {
    const first = this.waiting[0];
    return first.columns.bytesAt(first.lo);
  }

  /** Drops the `n` oldest pending records (a stalled disk); returns their seqs and value bytes. */
  dropOldest(n: number): { seqs: number[]; bytes: number } {
    const seqs: number[] = [];
    let bytes = 0;
    while (n > 0 && this.waiting.length > 0) {
      const run = this.waiting[0];
      const to = Math.min(run.hi, run.lo + n);
      for (let row = run.lo; row < to; row++) seqs.push(run.columns.seqAt(row));
      bytes += run.columns.bytesBetween(run.lo, to);
      n -= to - run.lo;
      this.waitingCount -= to - run.lo;
      run.columns.release(to - run.lo);
      run.lo = to;
      if (run.lo === run.hi) this.waiting.shift();
    }
    return { seqs, bytes };
  }

  /** The columns to add the next row to: these, or the next ones once these are full. */
  private roomFor(bytes: number, timeBytes: number): RecordColumns {
    if (this.columns.fits(bytes, timeBytes)) return this.columns;
    this.columns.seal();
    const next = this.freshColumns();
    // A record larger than a whole set of columns gets columns of its own, used once.
    this.columns = next.fits(bytes, timeBytes) ? next : new RecordColumns(1, bytes, timeBytes, this.recycle);
    if (this.columns !== next) this.spare.push(next);
    return this.columns;
  }

  private freshColumns(): RecordColumns {
    return this.spare.pop() ?? new RecordColumns(COLUMN_ROWS, COLUMN_BYTES, COLUMN_ROWS * TIME_BYTES_PER_ROW, this.recycle);
  }
}
