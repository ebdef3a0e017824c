// Records held in memory between their append and their acknowledgement, kept as columns: their
// stored JSON back to back in one buffer, their seqs, capture times and clock fields in typed
// arrays. A record waits for its group write and then, in the recent cache, for the hub's
// acknowledgement: long enough that V8 promoted every object it had (a StoredRecord, its clock
// object, its capturedAt string, its value's Buffer view), and marking them was the largest CPU
// cost left at full rate. Columns are a handful of objects for thousands of records; a
// StoredRecord is made only when the batch publisher reads a record, and dies with the batch.
// Columns are filled once, row after row, and count the rows still held (by the pending records,
// a write under way or the recent cache): when the last is released, the columns go back to their
// owner for reuse (pending-records.ts), never to V8, which would free their buffers only in a
// full collection and count them towards starting one.
import type { CaptureClockFields } from '../clock/capture-stamp.js';
import { clockFieldsOf, StoredRecord } from './stored-record.js';
import type { NewRecord } from './record-encoding.js';

/** A boot id table longer than this is started afresh when the columns are reused. */
const BOOT_IDS_KEPT = 8;

/** clockSynced of a row: its value, or the two cases that need more than one byte to say. */
const CLOCK_TRUE = 1;
const CLOCK_FALSE = 0;
const CLOCK_NULL = -1;
/** A record stored without clock fields (before hub schema 2). */
const NO_CLOCK = -2;
/** Clock fields of unexpected types (not our pipeline's): kept as they were, in `oddClocks`. */
const ODD_CLOCK = -3;

/** What the clock fields of a record become in a row; ODD_CLOCK for anything our encoder would not write. */
function clockCode(record: Partial<CaptureClockFields>): number {
  const synced = record.clockSynced;
  if (synced === undefined) return NO_CLOCK;
  const bootId = record.bootId;
  const monoMs = record.monoMs;
  const regular =
    (bootId === null || bootId === undefined || typeof bootId === 'string') &&
    (monoMs === null || monoMs === undefined || (typeof monoMs === 'number' && !Number.isNaN(monoMs)));
  if (!regular) return ODD_CLOCK;
  if (synced === true) return CLOCK_TRUE;
  if (synced === false) return CLOCK_FALSE;
  return synced === null ? CLOCK_NULL : ODD_CLOCK;
}

export class RecordColumns {
  /** Rows filled. */
  rows = 0;
  /** Bytes of `values` filled. */
  valueBytes = 0;
  private filledTimeBytes = 0;
  readonly values: Buffer;
  private readonly valueEnds: Uint32Array;
  private readonly seqs: Float64Array;
  private readonly times: Buffer;
  private readonly timeEnds: Uint32Array;
  private readonly synced: Int8Array;
  private readonly monoMs: Float64Array;
  private readonly bootIdAt: Int32Array;
  /** Distinct boot ids; usually one. */
  private bootIds: string[] = [];
  private oddClocks: Map<number, CaptureClockFields> | null = null;
  /** Where `reserve` put the value being encoded. */
  private reservedAt = -1;
  /** Rows committed and not yet released. */
  private heldRows = 0;
  /** No more rows will be added: the columns are given back once every row is released. */
  private sealed = false;

  constructor(
    rowCapacity: number,
    byteCapacity: number,
    timeCapacity = rowCapacity * 24,
    /** Called once the columns are sealed and every row was released. */
    private readonly onReleased: (columns: RecordColumns) => void = () => undefined,
  ) {
    this.values = Buffer.allocUnsafeSlow(byteCapacity);
    this.valueEnds = new Uint32Array(rowCapacity);
    this.seqs = new Float64Array(rowCapacity);
    this.times = Buffer.allocUnsafeSlow(timeCapacity);
    this.timeEnds = new Uint32Array(rowCapacity);
    this.synced = new Int8Array(rowCapacity);
    this.monoMs = new Float64Array(rowCapacity);
    this.bootIdAt = new Int32Array(rowCapacity);
  }

  get byteCapacity(): number {
    return this.values.length;
  }

  /**
   * Empties released columns for reuse. Their values are overwritten first, so that a view kept
   * past its release (a bug) reads bytes no JSON parser accepts instead of another record.
   */
  reset(): void {
    this.values.fill(0xee, 0, this.valueBytes);
    this.rows = 0;
    this.valueBytes = 0;
    this.filledTimeBytes = 0;
    this.oddClocks = null;
    this.reservedAt = -1;
    this.heldRows = 0;
    this.sealed = false;
    if (this.bootIds.length > BOOT_IDS_KEPT) this.bootIds = [];
  }

  /** Rows no longer held by anyone (acknowledged, dropped, or handed over parsed). */
  release(rows: number): void {
    this.heldRows -= rows;
    if (this.heldRows < 0) throw new Error(`record columns released ${-this.heldRows} rows more than they hold`);
    if (this.sealed && this.heldRows === 0) this.onReleased(this);
  }

  /** No more rows: once all are released the columns go back to their owner. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    if (this.heldRows === 0) this.onReleased(this);
  }

  /** True when one more row, with `bytes` of value and `timeBytes` of capture time, fits. */
  fits(bytes: number, timeBytes: number): boolean {
    return this.rows < this.seqs.length && this.valueBytes + bytes <= this.values.length && this.filledTimeBytes + timeBytes <= this.times.length;
  }

  /** Room for the next row's value (the caller made sure it `fits`), for encodeRecord to fill. */
  reserve(bytes: number): Buffer {
    this.reservedAt = this.valueBytes;
    return this.values.subarray(this.valueBytes, this.valueBytes + bytes);
  }

  /** True when `value` is the room `reserve` gave last (encodeRecord may encode elsewhere). */
  holdsReserved(value: Buffer): boolean {
    return this.reservedAt >= 0 && value.buffer === this.values.buffer && value.byteOffset === this.values.byteOffset + this.reservedAt;
  }

  /** Makes the reserved value, `bytes` long, the next row, with the record's seq, capture time and clock. */
  commit(seq: number, bytes: number, record: NewRecord): void {
    const row = this.rows;
    this.reservedAt = -1;
    this.seqs[row] = seq;
    this.valueBytes += bytes;
    this.valueEnds[row] = this.valueBytes;
    this.filledTimeBytes += this.times.write(record.capturedAt, this.filledTimeBytes, 'utf8');
    this.timeEnds[row] = this.filledTimeBytes;
    const code = clockCode(record);
    this.synced[row] = code;
    this.monoMs[row] = code >= CLOCK_NULL && typeof record.monoMs === 'number' ? record.monoMs : NaN;
    this.bootIdAt[row] = code >= CLOCK_NULL && typeof record.bootId === 'string' ? this.bootIdIndex(record.bootId) : -1;
    if (code === ODD_CLOCK) {
      this.oddClocks ??= new Map();
      this.oddClocks.set(row, clockFieldsOf(record)!);
    }
    this.rows = row + 1;
    this.heldRows += 1;
  }

  private bootIdIndex(bootId: string): number {
    const ids = this.bootIds;
    // Newest first: a boot id changes only with a reboot, so the last one is almost always it.
    for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === bootId) return i;
    ids.push(bootId);
    return ids.length - 1;
  }

  private timeStart(row: number): number {
    return row === 0 ? 0 : this.timeEnds[row - 1];
  }

  // ---- one row ----

  seqAt(row: number): number {
    return this.seqs[row];
  }

  valueStart(row: number): number {
    return row === 0 ? 0 : this.valueEnds[row - 1];
  }

  /** Bytes of the stored value of the row. */
  bytesAt(row: number): number {
    return this.valueEnds[row] - this.valueStart(row);
  }

  /** Stored value bytes of rows from..to-1. */
  bytesBetween(from: number, to: number): number {
    return this.valueStart(to) - this.valueStart(from);
  }

  /** The stored value of the row: a view of the columns. */
  valueAt(row: number): Buffer {
    return this.values.subarray(this.valueStart(row), this.valueEnds[row]);
  }

  capturedAtAt(row: number): string {
    return this.times.toString('utf8', this.timeStart(row), this.timeEnds[row]);
  }

  clockAt(row: number): CaptureClockFields | null {
    const code = this.synced[row];
    if (code === NO_CLOCK) return null;
    if (code === ODD_CLOCK) return this.oddClocks!.get(row)!;
    const mono = this.monoMs[row];
    const id = this.bootIdAt[row];
    return {
      clockSynced: code === CLOCK_NULL ? null : code === CLOCK_TRUE,
      bootId: id < 0 ? null : this.bootIds[id],
      monoMs: Number.isNaN(mono) ? null : mono,
    };
  }

  /** The row as a StoredRecord whose value is a view of these columns: valid until the row is released. */
  storedAt(row: number): StoredRecord {
    return new StoredRecord(this.seqs[row], this.capturedAtAt(row), this.valueAt(row), this.clockAt(row));
  }

  /** The row as a StoredRecord whose value is copied into `into` at `at`: valid for as long as `into`. */
  storedCopyAt(row: number, into: Buffer, at: number): StoredRecord {
    const start = this.valueStart(row);
    const end = this.valueEnds[row];
    this.values.copy(into, at, start, end);
    return new StoredRecord(this.seqs[row], this.capturedAtAt(row), into.subarray(at, at + end - start), this.clockAt(row));
  }

  /** The first row from..to-1 whose seq is above `seq` (rows ascend by seq); `to` when none is. */
  rowAfter(seq: number, from: number, to: number): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
