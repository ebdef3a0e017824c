// Records held in memory between their append and their acknowledgement, kept as columns: their
// stored JSON back to back in one buffer, their seqs, capture times and clock fields in typed
// arrays. A record waits for its group write and then, in the recent cache, for the hub's
// acknowledgement: long enough that V8 promoted every object it had (a StoredRecord, its clock
// object, its capturedAt string, its value's Buffer view), and marking them was the largest CPU
// cost left at full rate. Columns are a handful of objects for a whole group of records; a
// StoredRecord is made only when the batch publisher reads a record, and dies with the batch.
import type { CaptureClockFields } from '../clock/capture-stamp.js';
import { StoredRecord } from './stored-record.js';
import type { NewRecord } from './record-encoding.js';

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
  /** Distinct boot ids, append-only (columns copied from these share it); usually one. */
  private bootIds: string[];
  private oddClocks: Map<number, CaptureClockFields> | null = null;
  /** Where `reserve` put the value being encoded. */
  private reservedAt = -1;

  constructor(rowCapacity: number, byteCapacity: number, timeCapacity = rowCapacity * 24, bootIds: string[] = []) {
    this.values = Buffer.allocUnsafeSlow(byteCapacity);
    this.valueEnds = new Uint32Array(rowCapacity);
    this.seqs = new Float64Array(rowCapacity);
    this.times = Buffer.allocUnsafeSlow(timeCapacity);
    this.timeEnds = new Uint32Array(rowCapacity);
    this.synced = new Int8Array(rowCapacity);
    this.monoMs = new Float64Array(rowCapacity);
    this.bootIdAt = new Int32Array(rowCapacity);
    this.bootIds = bootIds;
  }

  get rowCapacity(): number {
    return this.seqs.length;
  }

  get byteCapacity(): number {
    return this.values.length;
  }

  get timeCapacity(): number {
    return this.times.length;
  }

  get bootIdCount(): number {
    return this.bootIds.length;
  }

  /** Empties the columns for reuse: only for columns nobody views (the pending records). */
  clear(): void {
    this.rows = 0;
    this.valueBytes = 0;
    this.filledTimeBytes = 0;
    this.oddClocks = null;
    this.reservedAt = -1;
  }

  /** Bytes of capture time text filled. */
  get timeBytes(): number {
    return this.filledTimeBytes;
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
      this.oddClocks.set(row, { clockSynced: record.clockSynced ?? null, bootId: record.bootId ?? null, monoMs: record.monoMs ?? null });
    }
    this.rows = row + 1;
  }

  private bootIdIndex(bootId: string): number {
    const ids = this.bootIds;
    // Newest first: a boot id changes only with a reboot, so the last one is almost always it.
    for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === bootId) return i;
    ids.push(bootId);
    return ids.length - 1;
  }

  /**
   * Rows from..to-1 in columns of their own. Without capacities the copy is exact (a group taken
   * for its write) and shares the boot id table; with them it has room to append to (the pending
   * records after growing), and a table of its own, so that no table keeps growing for good.
   */
  copyRows(from: number, to: number, capacity?: { rows: number; bytes: number; timeBytes: number }): RecordColumns {
    const rows = to - from;
    const valueFrom = this.valueStart(from);
    const valueTo = this.valueStart(to);
    const timeFrom = this.timeStart(from);
    const timeTo = this.timeStart(to);
    const out = capacity
      ? new RecordColumns(capacity.rows, capacity.bytes, capacity.timeBytes)
      : new RecordColumns(Math.max(rows, 1), Math.max(valueTo - valueFrom, 1), Math.max(timeTo - timeFrom, 1), this.bootIds);
    this.values.copy(out.values, 0, valueFrom, valueTo);
    this.times.copy(out.times, 0, timeFrom, timeTo);
    for (let i = 0; i < rows; i++) {
      const row = from + i;
      out.seqs[i] = this.seqs[row];
      out.valueEnds[i] = this.valueEnds[row] - valueFrom;
      out.timeEnds[i] = this.timeEnds[row] - timeFrom;
      out.synced[i] = this.synced[row];
      out.monoMs[i] = this.monoMs[row];
      const id = this.bootIdAt[row];
      out.bootIdAt[i] = id < 0 || out.bootIds === this.bootIds ? id : out.bootIdIndex(this.bootIds[id]);
      if (this.synced[row] === ODD_CLOCK) {
        out.oddClocks ??= new Map();
        out.oddClocks.set(i, this.oddClocks!.get(row)!);
      }
    }
    out.rows = rows;
    out.valueBytes = valueTo - valueFrom;
    out.filledTimeBytes = timeTo - timeFrom;
    return out;
  }

  /** Capture time bytes of rows from..to-1. */
  timeBytesBetween(from: number, to: number): number {
    return this.timeStart(to) - this.timeStart(from);
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

  /**
   * The row as a StoredRecord whose value is a view of these columns. Columns are never written
   * again below `rows`, so the view stays valid for as long as anyone holds it.
   */
  storedAt(row: number): StoredRecord {
    return new StoredRecord(this.seqs[row], this.capturedAtAt(row), this.valueAt(row), this.clockAt(row));
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
