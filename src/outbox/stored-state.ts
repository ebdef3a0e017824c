// What the outbox has stored, kept in step with every write: the meta entry, the head and tail
// edges, the recent cache, the seqs removed on purpose and the cumulative counters. Every deletion
// goes through deleteEntries so these never drift apart.
import type { Logger } from '../log.js';
import { RECORD_KEY_MIN, recordKey, seqFromRecordKey } from './keys.js';
import { SeqsDelete } from './batch-ops.js';
import { metaPut, type OutboxMeta } from './meta.js';
import { RecentCache } from './recent-cache.js';
import { RemovedSeqs } from './removed-seqs.js';
import type { BatchOp, BatchWriter, ResolvedOptions } from './options.js';
import { capturedAtOf, readEdge, scanMeta, type OutboxDb, type StoredEntry } from './store.js';
import type { ReopenGate } from './reopen-gate.js';
import { describeCause } from './errors.js';

/** Deletions written unsynced beyond this many make the next deletion a synced one. */
const UNSYNCED_DELETES_MAX = 8192;

export interface OutboxDropCounts {
  overflow: number;
  expired: number;
  corrupt: number;
  pending_overflow: number;
  write_error: number;
}

/** Cumulative since open. */
export interface OutboxCounters {
  dropped: OutboxDropCounts;
  /** Failed batch writes (flushes, acks, sweeps). */
  writeErrors: number;
  appended: number;
  acked: number;
  /** Successful flush batches. */
  flushes: number;
  /** Times the store was closed and reopened to clear a persistent write error. */
  reopens: number;
}

/**
 * Records to delete in one batch: record seqs (ascending, each once), keys that are not well-formed
 * record keys (damaged entries), and the stored bytes of both.
 */
export interface Deletion {
  seqs: number[];
  keys: Buffer[];
  bytes: number;
}

/** The deletion of entries read from the store (in key order, so their seqs ascend). */
export function deletionOf(entries: readonly StoredEntry[]): Deletion {
  const d: Deletion = { seqs: [], keys: [], bytes: 0 };
  for (const entry of entries) {
    if (entry.seq === null) d.keys.push(entry.key);
    else d.seqs.push(entry.seq);
    d.bytes += entry.value.length;
  }
  if (!ascendingDistinct(d.seqs)) d.seqs = [...new Set(d.seqs)].sort((x, y) => x - y);
  return d;
}

/** True when the seqs ascend, each once, as a Deletion's must. */
export function ascendingDistinct(seqs: readonly number[]): boolean {
  for (let i = 1; i < seqs.length; i++) if (seqs[i] <= seqs[i - 1]) return false;
  return true;
}

/** What opening the store found. */
export interface OpenedStore {
  db: OutboxDb;
  meta: OutboxMeta;
  head: StoredEntry | null;
  tail: StoredEntry | null;
  /** The generation of the meta entry last written. */
  metaGen: number;
}

/** What a reopen needs: when it is allowed, how to open the store, what to forget afterwards. */
export interface StoreReopener {
  gate: ReopenGate;
  open(): Promise<OpenedStore>;
  /** Called once the store was reopened (remembered reads are stale). */
  reopened(): void;
}

export class StoredState {
  meta: OutboxMeta;
  /** The next seq append hands out (ahead of meta.nextSeq while records wait to be written). */
  nextSeq: number;
  firstSeq: number | null;
  lastSeq: number | null;
  oldestCapturedAt: string | null;
  readonly recent: RecentCache;
  /** Seqs removed on purpose since open (acked, dropped by a counted bound, handed to onUnstored). */
  readonly removed: RemovedSeqs;
  /** Highest seq handed to onUnstored: it may have reached the hub, so it must never be reused. */
  highestUnstoredSeq = 0;
  readonly counters: OutboxCounters = {
    dropped: { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 },
    writeErrors: 0,
    appended: 0,
    acked: 0,
    flushes: 0,
    reopens: 0,
  };
  /** The highest meta nextSeq written with sync (or found at open): what a power cut cannot undo. */
  syncedNextSeq: number;
  private failedWritesInARow = 0;
  private compaction: Promise<void> | null = null;
  private deletesSinceCompact = 0;
  /**
   * Deletions to repeat in the next synced write (see writeOps): a record's seq rather than its key,
   * which would otherwise be kept (and promoted by V8) for every record deleted between two syncs;
   * keys only for entries that are not well-formed records.
   */
  private unsyncedSeqs: number[] = [];
  private unsyncedKeys: Buffer[] = [];
  /** The generation of the meta entry last put in a batch (meta.ts). */
  private metaGen: number;

  /** Replaced when the store is reopened after a persistent write error. */
  db: OutboxDb;

  constructor(
    opened: OpenedStore,
    private readonly write: BatchWriter,
    private readonly opts: ResolvedOptions,
    private readonly log: Logger,
    private readonly reopener?: StoreReopener,
  ) {
    const { meta, head, tail } = opened;
    this.db = opened.db;
    this.metaGen = opened.metaGen;
    this.meta = meta;
    this.nextSeq = meta.nextSeq;
    this.syncedNextSeq = meta.nextSeq;
    this.firstSeq = head?.seq ?? null;
    this.lastSeq = tail?.seq ?? null;
    this.oldestCapturedAt = capturedAtOf(head);
    // What is on disk at open is the backlog; everything flushed from now on is cached too.
    this.recent = new RecentCache(opts.recentCacheBytes, meta.nextSeq - 1);
    this.removed = new RemovedSeqs(meta.nextSeq - 1);
  }

  /**
   * Every batch write goes through here (always inside the serial queue). When a write fails while
   * the file system has room again, the error may be LevelDB's sticky background error (set by a
   * compaction that hit a full disk): the store is reopened and the write tried once more.
   */
  async writeOps(ops: BatchOp[], sync: boolean = this.opts.sync): Promise<boolean> {
    // A synced write repeats the deletions written unsynced since the last synced one. LevelDB may
    // start a new log between the two, and the sync then covers only the new log: after a power cut
    // the meta would count deletions whose tombstones were lost with the old log's tail.
    const batch = sync && this.unsyncedCount() > 0 ? [new SeqsDelete(this.unsyncedSeqs), ...this.unsyncedKeys.map(keyDeletion), ...ops] : ops;
    try {
      await this.write(batch, { sync });
      this.failedWritesInARow = 0;
      this.noteWritten(ops, sync);
      return false;
    } catch (err) {
      this.failedWritesInARow += 1;
      // A first failure is usually the disk filling up right now; a second in a row while the
      // disk has room is the sticky error. The caller counts the failure when the retry fails too.
      const r = this.reopener;
      if (this.failedWritesInARow < 2 || !r || !(await r.gate.due()) || !(await this.reopenStore(r, err))) throw err;
    }
    await this.write(batch, { sync });
    this.failedWritesInARow = 0;
    this.noteWritten(ops, sync);
    return true;
  }

  /** The meta put for the next batch: beside its appends (`appends`) or its deletions. */
  metaOp(meta: OutboxMeta, appends: boolean): BatchOp {
    this.metaGen += 1;
    return metaPut(meta, this.metaGen, appends);
  }

  /** Keys a write deleted without forcing it to disk, while the store syncs its appends. */
  private noteWritten(ops: BatchOp[], sync: boolean): void {
    if (sync) {
      this.unsyncedSeqs = [];
      this.unsyncedKeys = [];
      return;
    }
    if (!this.opts.sync) return;
    for (const op of ops) {
      if (op.type === 'dels') for (const seq of op.seqs) this.unsyncedSeqs.push(seq);
      else if (op.type === 'del') {
        const seq = seqFromRecordKey(op.key);
        if (seq === null) this.unsyncedKeys.push(op.key);
        else this.unsyncedSeqs.push(seq);
      }
    }
  }

  private unsyncedCount(): number {
    return this.unsyncedSeqs.length + this.unsyncedKeys.length;
  }

  /**
   * After a reopen the meta a caller computed before it may not match the store (a batch LevelDB
   * reported failed can still be in its log): count what is really stored, so the depth shown and
   * the edges are the truth. Rare (only after a full disk), so a full scan is fine.
   */
  async recountAfterReopen(): Promise<void> {
    const scanned = await scanMeta(this.db, this.durableNextSeq());
    const meta: OutboxMeta = { ...scanned, nextSeq: Math.max(scanned.nextSeq, this.durableNextSeq()) };
    await this.write([this.metaOp(meta, false)], { sync: this.opts.sync });
    this.meta = meta;
    const head = await readEdge(this.db, false);
    const tail = await readEdge(this.db, true);
    this.firstSeq = head?.seq ?? null;
    this.lastSeq = tail?.seq ?? null;
    this.oldestCapturedAt = capturedAtOf(head);
    this.log.info({ dir: this.opts.dir, depth: meta.count }, 'outbox recounted after the reopen');
  }

  /** Closes and reopens the store; what it holds becomes the truth. False when the reopen failed. */
  private async reopenStore(r: StoreReopener, cause: unknown): Promise<boolean> {
    r.reopened();
    await this.compacted();
    await this.db.close().catch(() => undefined);
    let opened: Awaited<ReturnType<StoreReopener['open']>>;
    try {
      opened = await r.open();
    } catch (err) {
      // Left closed: the next write fails fast and tries again once the gate allows it.
      this.log.error({ err, dir: this.opts.dir }, 'outbox store could not be reopened after write errors; retrying later');
      return false;
    }
    this.db = opened.db;
    this.meta = opened.meta;
    this.metaGen = opened.metaGen;
    this.firstSeq = opened.head?.seq ?? null;
    this.lastSeq = opened.tail?.seq ?? null;
    this.oldestCapturedAt = capturedAtOf(opened.head);
    this.counters.reopens += 1;
    this.log.warn(
      { dir: this.opts.dir, cause: describeCause(cause), depth: opened.meta.count },
      'outbox store reopened: writes kept failing although the disk has room again (LevelDB keeps a failed background write until reopened)',
    );
    return true;
  }

  /** The nextSeq to store: past every written seq and every seq that may have left the daemon. */
  durableNextSeq(): number {
    return Math.max(this.meta.nextSeq, this.highestUnstoredSeq + 1);
  }

  /** One atomic batch: delete the entries and write the adjusted meta; then refresh the cached edges. */
  async deleteEntries(deletion: Deletion): Promise<void> {
    const { seqs, keys } = deletion;
    const count = seqs.length + keys.length;
    // Marked before the write: a read running beside it must not take the holes for losses. If the
    // write fails the records stay stored and are simply read again.
    this.removed.add(seqs);
    const ops: BatchOp[] = keys.map(keyDeletion);
    if (seqs.length > 0) ops.push(new SeqsDelete(seqs));
    const next: OutboxMeta = {
      nextSeq: this.durableNextSeq(),
      bytes: Math.max(0, this.meta.bytes - deletion.bytes),
      count: Math.max(0, this.meta.count - count),
    };
    ops.push(this.metaOp(next, false));
    // Deletions are not forced to disk: one lost to a power cut only brings delivered records back,
    // sent again as duplicates the hub drops, and the next synced append makes it durable anyway.
    // Each fsync is a journal commit on the SD card: syncing acks doubled them at lamp-post traffic.
    // Synced only when the batch carries a seq the disk does not know yet (records handed to
    // onUnstored after a failed write), because a seq must never be handed out twice.
    // Also synced once many deletions wait to be repeated (a drain with no uplinks coming in).
    const sync = this.opts.sync && (next.nextSeq > this.syncedNextSeq || this.unsyncedCount() >= UNSYNCED_DELETES_MAX);
    let reopened: boolean;
    try {
      reopened = await this.writeOps(ops, sync);
    } catch (err) {
      this.counters.writeErrors += 1;
      throw err;
    }
    this.meta = next;
    if (sync) this.syncedNextSeq = next.nextSeq;
    this.recent.remove(seqs);
    this.deletesSinceCompact += count;
    await this.refreshEdges(seqs);
    if (reopened) await this.recountAfterReopen();
    this.maybeCompact();
  }

  private async refreshEdges(deleted: readonly number[]): Promise<void> {
    if (this.meta.count === 0) {
      this.firstSeq = null;
      this.lastSeq = null;
      this.oldestCapturedAt = null;
      return;
    }
    if (this.firstSeq !== null && this.recent.covers(this.firstSeq - 1)) {
      // Nothing is stored at or below the cache floor: the cache knows both edges.
      this.firstSeq = this.recent.firstSeq();
      this.oldestCapturedAt = this.recent.firstCapturedAt();
      this.lastSeq = this.recent.lastSeq();
      return;
    }
    const deletedSeqs = new Set(deleted);
    if (this.firstSeq === null || deletedSeqs.has(this.firstSeq)) {
      // Seek from the old head: keys below it are gone, so their tombstones are never walked.
      const head = await readEdge(this.db, false, this.firstSeq ?? 0);
      this.firstSeq = head?.seq ?? null;
      this.oldestCapturedAt = capturedAtOf(head);
    }
    if (this.lastSeq === null || deletedSeqs.has(this.lastSeq)) {
      const tail = await readEdge(this.db, true);
      this.lastSeq = tail?.seq ?? null;
    }
  }

  private maybeCompact(): void {
    if (this.opts.compactAfterDeletes === 0 || this.compaction) return;
    if (this.deletesSinceCompact < this.opts.compactAfterDeletes) return;
    this.deletesSinceCompact = 0;
    const end = recordKey(this.firstSeq ?? this.nextSeq);
    this.compaction = this.db
      .compactRange(RECORD_KEY_MIN, end)
      .catch((err: unknown) => this.log.warn({ err, dir: this.opts.dir }, 'outbox compaction of the drained range failed'))
      .finally(() => {
        this.compaction = null;
      });
  }

  /** Resolves once a running compaction has finished (close). */
  async compacted(): Promise<void> {
    if (this.compaction) await this.compaction;
  }
}

function keyDeletion(key: Buffer): BatchOp {
  return { type: 'del', key };
}
