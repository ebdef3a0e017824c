// The records appended and not yet handed to a group write, encoded straight into columns
// (record-columns.ts) that grow by doubling and start over whenever everything was taken. A
// group write takes the oldest of them as a run of exact columns of its own; the pending
// columns are never viewed from outside, so they can be reused in place. They keep their size
// while it is used: at full rate thousands of records wait behind each write, and columns started
// small again after every write grew back each time (30 MB of buffers per 100,000 frames, which V8
// frees only in full collections, and counts towards starting one).
import { RecordColumns } from './record-columns.js';
import { RecordRun } from './record-run.js';
import { encodeRecord, type NewRecord } from './record-encoding.js';

const INITIAL_ROWS = 256;
const INITIAL_BYTES = 128 * 1024;
/** capturedAt from our pipeline is 24 ASCII characters. */
const TIME_BYTES_PER_ROW = 24;
/** A boot id table longer than this is started afresh when the columns empty (runs keep theirs). */
const BOOT_IDS_KEPT = 8;
/** Every this many times the columns empty, they shrink if a quarter of them sufficed meanwhile. */
const EMPTIES_PER_SIZE_CHECK = 64;

export class PendingRecords {
  private columns = new RecordColumns(INITIAL_ROWS, INITIAL_BYTES);
  /** The first row not yet taken or dropped. */
  private head = 0;
  /** The most rows and value bytes pending at once since the last size check, and the empties since. */
  private peakRows = 0;
  private peakBytes = 0;
  private empties = 0;

  get count(): number {
    return this.columns.rows - this.head;
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
    if (target.rows - this.head > this.peakRows) this.peakRows = target.rows - this.head;
    if (target.valueBytes > this.peakBytes) this.peakBytes = target.valueBytes;
    return value.length;
  }

  /**
   * Takes the oldest pending records, at least one (the caller checks `count`) and at most `upTo`,
   * as long as their values stay within `maxBytes`.
   */
  take(upTo: number, maxBytes: number): RecordRun {
    const c = this.columns;
    const from = this.head;
    let to = from + 1;
    let bytes = c.bytesAt(from);
    while (to - from < upTo && to < c.rows && bytes + c.bytesAt(to) <= maxBytes) {
      bytes += c.bytesAt(to);
      to += 1;
    }
    const run = new RecordRun(c.copyRows(from, to), 0, to - from);
    this.advance(to - from);
    return run;
  }

  /** Drops the `n` oldest pending records (a stalled disk); returns their seqs and value bytes. */
  dropOldest(n: number): { seqs: number[]; bytes: number } {
    const c = this.columns;
    const to = Math.min(this.head + n, c.rows);
    const seqs: number[] = [];
    for (let row = this.head; row < to; row++) seqs.push(c.seqAt(row));
    const bytes = c.bytesBetween(this.head, to);
    this.advance(to - this.head);
    return { seqs, bytes };
  }

  private advance(rows: number): void {
    this.head += rows;
    if (this.head < this.columns.rows) return;
    // Everything was taken: the same columns serve again from their first row.
    this.head = 0;
    const c = this.columns;
    this.empties += 1;
    const sizeCheck = this.empties >= EMPTIES_PER_SIZE_CHECK;
    const oversized = sizeCheck && (c.rowCapacity > Math.max(INITIAL_ROWS, this.peakRows * 4) || c.byteCapacity > Math.max(INITIAL_BYTES, this.peakBytes * 4));
    if (oversized || c.bootIdCount > BOOT_IDS_KEPT) {
      const rows = Math.max(INITIAL_ROWS, this.peakRows * 2);
      this.columns = new RecordColumns(rows, Math.max(INITIAL_BYTES, this.peakBytes * 2), rows * TIME_BYTES_PER_ROW);
    } else c.clear();
    if (sizeCheck) {
      this.empties = 0;
      this.peakRows = 0;
      this.peakBytes = 0;
    }
  }

  /** Columns with room for one more row: these, or the pending rows copied into larger ones. */
  private roomFor(bytes: number, timeBytes: number): RecordColumns {
    const c = this.columns;
    if (c.fits(bytes, timeBytes)) return c;
    const rows = c.rows - this.head + 1;
    const valueBytes = c.bytesBetween(this.head, c.rows) + bytes;
    const times = c.timeBytesBetween(this.head, c.rows) + timeBytes;
    this.columns = c.copyRows(this.head, c.rows, {
      rows: Math.max(INITIAL_ROWS, rows * 2),
      bytes: Math.max(INITIAL_BYTES, valueBytes * 2),
      timeBytes: Math.max(INITIAL_ROWS * TIME_BYTES_PER_ROW, rows * 2 * TIME_BYTES_PER_ROW, times * 2),
    });
    this.head = 0;
    return this.columns;
  }
}
