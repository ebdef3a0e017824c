// The operations a batch write is made of: single keys, and whole runs of records put or deleted.
// The many-record ones are one object for a whole group write or acknowledgement, expanded into
// single puts and deletions only when the batch is built (outbox.ts). Operations live until their
// write is on disk (an fsync, or a retry after a reopen), long enough for V8 to promote what they
// hold: an object and a key per record were most of what it promoted at full rate.
import { recordKey } from './keys.js';
import type { RecordColumns } from './record-columns.js';
import type { RecordRun } from './record-run.js';

/** One key put or deleted. */
export type KeyOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/** What a batch is made of. */
export type BatchOp = KeyOp | RunPut | SeqsDelete;

/**
 * Every record of a run put, with the values as the run's columns hold them. The rows are fixed
 * here: the recent cache narrows the run itself once it is written.
 */
export class RunPut {
  readonly type = 'puts' as const;
  readonly columns: RecordColumns;
  readonly lo: number;
  readonly hi: number;

  constructor(run: RecordRun) {
    this.columns = run.columns;
    this.lo = run.lo;
    this.hi = run.hi;
  }
}

/** The records with these seqs deleted. */
export class SeqsDelete {
  readonly type = 'dels' as const;
  constructor(readonly seqs: readonly number[]) {}
}

/**
 * The single puts and deletions a batch stands for: what a BatchWriter wrapper (tests, faults)
 * may look at. Expand them while the write is under way: a run's columns are filled with other
 * records once its own are acknowledged, and the values are views of them.
 */
export function keyOpsOf(ops: readonly BatchOp[]): KeyOp[] {
  const out: KeyOp[] = [];
  for (const op of ops) {
    if (op.type === 'puts') {
      for (let row = op.lo; row < op.hi; row++) out.push({ type: 'put', key: recordKey(op.columns.seqAt(row)), value: op.columns.valueAt(row) });
    } else if (op.type === 'dels') {
      for (const seq of op.seqs) out.push({ type: 'del', key: recordKey(seq) });
    } else out.push(op);
  }
  return out;
}
