// Records with ascending seqs, as rows lo..hi-1 of record columns (rows below `rows` are never
// written again while held): the records still pending, a group taken for its write, then the
// recent cache's share of it. The cache narrows a run as its records are acknowledged and splits it
// around a record deleted from its middle, releasing each row; the columns are reused once all of
// their rows are released (record-columns.ts).
import type { RecordColumns } from './record-columns.js';
import type { StoredRecord } from './stored-record.js';

export class RecordRun {
  constructor(
    readonly columns: RecordColumns,
    public lo: number,
    public hi: number,
  ) {}

  get size(): number {
    return this.hi - this.lo;
  }

  /** Stored value bytes of the run's records. */
  get bytes(): number {
    return this.columns.bytesBetween(this.lo, this.hi);
  }

  get firstSeq(): number {
    return this.columns.seqAt(this.lo);
  }

  get lastSeq(): number {
    return this.columns.seqAt(this.hi - 1);
  }

  /** The seqs of the run's records. */
  seqs(): number[] {
    const out: number[] = [];
    for (let row = this.lo; row < this.hi; row++) out.push(this.columns.seqAt(row));
    return out;
  }

  /** The run's records as StoredRecords (their values views of the columns). */
  stored(): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (let row = this.lo; row < this.hi; row++) out.push(this.columns.storedAt(row));
    return out;
  }

  /** The first row of the run whose seq is above `seq`; `hi` when none is. */
  rowAfter(seq: number): number {
    return this.columns.rowAfter(seq, this.lo, this.hi);
  }
}
