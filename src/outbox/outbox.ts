// The durable outbox: every received frame is appended here (synchronously, grouped into LevelDB
// batches), read back in seq order by the batch publisher, and deleted only once the broker acked it.
// Memory stays bounded whatever the depth: only the pending group and one read chunk live in RAM.
// This class is the public face; the jobs live in group-writer, reader, acks and retention, all
// sharing one StoredState and one serial queue for every store mutation.
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { metaPut } from './meta.js';
import { recordKey, writeRecordKey } from './keys.js';
import type { NewRecord } from './record-encoding.js';
import { SerialQueue } from '../serial-queue.js';
import { OutboxArgumentError, OutboxClosedError, OutboxLockedError } from './errors.js';
import { openRecovering, type StoreRecovery } from '../store-recovery.js';
import { resolveOptions, type BatchOp, type BatchWriter, type OutboxOptions, type ResolvedOptions } from './options.js';
import { StoredState, type OpenedStore, type OutboxCounters } from './stored-state.js';
import { ReadMemo } from './read-memo.js';
import { ReopenGate } from './reopen-gate.js';
import { Retention, type SweepResult } from './retention.js';
import { GroupWriter } from './group-writer.js';
import { OutboxReader } from './reader.js';
import { OutboxAcks } from './acks.js';
import type { StoredRecord } from './stored-record.js';
import {
  decodeEntry,
  iterateEntries,
  openStore,
  consistentMeta,
  readEdge,
  readMeta,
  scanMeta,
  type OutboxDb,
} from './store.js';

export type { BatchOp, BatchWriter, OutboxOptions } from './options.js';
export type { OutboxDropCounts } from './stored-state.js';
export type { SweepResult } from './retention.js';

export interface OutboxStats extends OutboxCounters {
  /** Records stored (durable). */
  depth: number;
  /** Stored record JSON bytes. */
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** capturedAt of the first record in seq order. */
  oldestCapturedAt: string | null;
  nextSeq: number;
  /** Appended records not yet written to disk. */
  pending: number;
}

/**
 * One atomic LevelDB batch, built op by op (abstract-level's chained batch). The array form copies
 * and re-checks every op in JavaScript first: 6-10 µs per delete against about 2 µs this way, paid
 * for every record stored and every record acknowledged.
 */
async function writeChained(db: OutboxDb, ops: BatchOp[], sync: boolean): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else if (op.type === 'del') batch.del(op.key);
      else if (op.type === 'puts') {
        // One key buffer for the whole run: the native batch copies key and value at each put
        // (abstract-level keeps them only for 'write' listeners, which the outbox never adds).
        const key = recordKey(0);
        for (let row = op.lo; row < op.hi; row++) {
          writeRecordKey(key, op.columns.seqAt(row));
          batch.put(key, op.columns.valueAt(row));
        }
      } else {
        const key = recordKey(0);
        for (const seq of op.seqs) {
          writeRecordKey(key, seq);
          batch.del(key);
        }
      }
    }
  } catch (err) {
    await batch.close();
    throw err;
  }
  await batch.write({ sync });
}

export class Outbox {
  private readonly state: StoredState;
  private readonly serial = new SerialQueue();
  /** Range acknowledgements waiting for the serial queue, deleted together (queueRangeAck). */
  private queuedRangeAcks: { ranges: Array<{ from: number; to: number }>; done: Promise<void> } | null = null;
  private readonly writer: GroupWriter;
  private readonly reader: OutboxReader;
  private readonly acks: OutboxAcks;
  private readonly retention: Retention;
  private closing = false;
  private closePromise: Promise<void> | null = null;

  static async open(options: OutboxOptions): Promise<Outbox> {
    const opts = resolveOptions(options);
    const log = options.logger ?? silentLogger();
    if (!options.recoverDamaged) {
      const opened = await Outbox.openState(opts.dir, log);
      return new Outbox(opened, opts, options, log, null);
    }
    const { value, recovery } = await openRecovering({
      dir: opts.dir,
      store: 'outbox',
      open: () => Outbox.openState(opts.dir, log),
      isLocked: (err) => err instanceof OutboxLockedError,
      logger: log,
    });
    return new Outbox(value, opts, options, log, recovery);
  }

  /** Opens the store and reads its edges and meta: what must work for the store to be usable. */
  private static async openState(dir: string, log: Logger): Promise<OpenedStore> {
    const db = await openStore(dir, { create: true });
    try {
      const stored = await readMeta(db);
      const head = await readEdge(db, false);
      const tail = await readEdge(db, true);
      let meta = consistentMeta(stored, head, tail);
      let metaGen = stored.gen;
      if (!meta) {
        // Only a store written without meta (or damaged) gets here; one streaming pass repairs it.
        if (stored.present || head !== null) {
          log.warn({ dir }, 'outbox meta missing or inconsistent: recounting the store');
        }
        meta = await scanMeta(db, stored.nextSeqFloor);
        const put = metaPut(meta, ++metaGen, false);
        await db.put(put.key, put.value);
      } else if (stored.legacy) {
        // A store from before the two meta entries: its entry gets a generation now, or its first
        // append's entry would be taken for an older daemon having run after a newer one. Not
        // writing it (a full disk) only costs one recount at a later open.
        const put = metaPut(meta, ++metaGen, false);
        await db.put(put.key, put.value).catch((err: unknown) => log.warn({ err, dir }, 'outbox meta could not be upgraded; the next open will recount the store'));
      }
      return { db, meta, head, tail, metaGen };
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  private constructor(
    opened: OpenedStore,
    opts: ResolvedOptions,
    raw: OutboxOptions,
    log: Logger,
    readonly recovery: StoreRecovery | null,
  ) {
    const now = raw.now ?? Date.now;
    // Always the current store: a reopen after a persistent write error replaces it.
    const base: BatchWriter = (ops, o) => writeChained(this.state.db, ops, o.sync);
    const write = raw.wrapBatchWrite ? raw.wrapBatchWrite(base) : base;
    const memo = new ReadMemo();
    this.state = new StoredState(opened, write, opts, log, {
      gate: new ReopenGate(opts.dir, raw.reopenMinFreeBytes ?? 4 * 1024 * 1024, raw.reopenRetryMs ?? 2000, now),
      open: () => Outbox.openState(opts.dir, log),
      reopened: () => memo.clear(),
    });
    this.retention = new Retention(this.state, memo, opts, log, now);
    this.writer = new GroupWriter(this.state, this.serial, this.retention, opts, log, now, raw.onUnstored);
    this.reader = new OutboxReader(this.state, this.serial, memo, opts, log);
    this.acks = new OutboxAcks(this.state, memo, this.retention);
  }

  // ---- appending ----

  /**
   * Assigns the next seq and queues the record for the next group write. Never waits for the disk.
   * Throws OutboxArgumentError for a record that cannot be stored, OutboxClosedError after close().
   */
  append(record: NewRecord): number {
    if (this.closing) throw new OutboxClosedError('append');
    return this.writer.append(record);
  }

  /** Records appended whose group write has not settled yet, and their bytes (the door's measure). */
  waiting(): { records: number; bytes: number } {
    return this.writer.waiting;
  }

  /** Called after every successful flush with the highest seq written. Returns an unsubscribe function. */
  onFlushed(listener: (lastSeq: number) => void): () => void {
    return this.writer.onFlushed(listener);
  }

  /** Writes out everything appended so far (shutdown, tests). Write failures go to onUnstored, not here. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  // ---- reading and acknowledging ----

  /**
   * Records with seq > afterSeq in seq order: at most maxRecords, and no more than maxBytes of stored
   * JSON (but always at least one record when any exists). Undecodable values are deleted and counted.
   */
  readBatch(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]> {
    return this.reader.readRecords(afterSeq, maxRecords, maxBytes);
  }

  /** The same records as readBatch, as their stored bytes: what batches are built from. */
  readStored(afterSeq: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    return this.reader.readStored(afterSeq, maxRecords, maxBytes);
  }

  /** Deletes delivered records (explicit seqs, or the inclusive range from..to). Unknown seqs are ignored. */
  async ack(delivered: number[] | { from: number; to: number }): Promise<void> {
    if (this.closePromise) throw new OutboxClosedError('ack');
    if (Array.isArray(delivered)) {
      for (const seq of delivered) {
        if (!Number.isSafeInteger(seq) || seq < 0) throw new OutboxArgumentError(`ack: invalid seq ${String(seq)}`);
      }
      const seqs = [...new Set(delivered)].sort((a, b) => a - b);
      await this.serial.run(() => this.acks.ackSeqs(seqs));
    } else {
      const { from, to } = delivered ?? {};
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new OutboxArgumentError(`ack: invalid range ${JSON.stringify(delivered)}`);
      }
      await this.queueRangeAck(from, to);
    }
  }

  /**
   * Range acknowledgements that arrive while their deletion waits in the serial queue join it: one
   * deletion per turn of the queue, however many batches the broker acknowledged meanwhile, so
   * deleting keeps pace with the hub while group writes of incoming uplinks fill the queue.
   */
  private queueRangeAck(from: number, to: number): Promise<void> {
    let queued = this.queuedRangeAcks;
    if (!queued) {
      const ranges: Array<{ from: number; to: number }> = [];
      const done = this.serial.run(() => {
        // Started: acknowledgements from now on queue a deletion of their own.
        this.queuedRangeAcks = null;
        return this.acks.ackRanges(ranges);
      });
      queued = this.queuedRangeAcks = { ranges, done };
    }
    queued.ranges.push({ from, to });
    return queued.done;
  }

  // ---- bounds ----

  /** Deletes expired records, then enforces the byte bound. Called hourly by ops and after flushes when full. */
  async sweep(): Promise<SweepResult> {
    if (this.closePromise) throw new OutboxClosedError('sweep');
    return this.serial.run(() => this.retention.enforceBounds());
  }

  // ---- inspection and lifecycle ----

  /** Seq of the oldest stored record, null when empty. */
  headSeq(): number | null {
    return this.state.firstSeq;
  }

  /** True when the records after `afterSeq` are in the recent cache (live traffic), not only on disk. */
  inMemory(afterSeq: number): boolean {
    return this.state.recent.covers(afterSeq);
  }

  /** True when every seq in from..to left the store on purpose since open (or was before it). */
  removedOnPurpose(from: number, to: number): boolean {
    return this.state.removed.covers(from, to);
  }

  stats(): OutboxStats {
    const s = this.state;
    const c = s.counters;
    return {
      depth: s.meta.count,
      bytes: s.meta.bytes,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      oldestCapturedAt: s.oldestCapturedAt,
      nextSeq: s.nextSeq,
      pending: this.writer.pendingCount,
      dropped: { ...c.dropped },
      writeErrors: c.writeErrors,
      appended: c.appended,
      acked: c.acked,
      flushes: c.flushes,
      reopens: c.reopens,
    };
  }

  /** LevelDB's own estimate of its memory (block cache and memtables); null while the store is not open. */
  leveldbMemoryBytes(): number | null {
    try {
      const bytes = Number(this.state.db.getProperty('leveldb.approximate-memory-usage'));
      return Number.isFinite(bytes) ? bytes : null;
    } catch {
      return null;
    }
  }

  /** Every stored, decodable record in seq order, streamed (export). Undecodable values are skipped. */
  async *entries(): AsyncGenerator<OutboxRecord> {
    for await (const entry of iterateEntries(this.state.db)) {
      const decoded = decodeEntry(entry);
      if (decoded.ok) yield decoded.record;
    }
  }

  /** Flushes what is pending, waits for queued work, then closes the store. Safe to call twice. */
  close(): Promise<void> {
    if (!this.closePromise) this.closePromise = this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    await this.writer.flush();
    this.writer.cancelTimer();
    await this.serial.idle();
    await this.state.compacted();
    this.writer.clearListeners();
    await this.state.db.close();
  }
}
