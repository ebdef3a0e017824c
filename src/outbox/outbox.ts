// The durable outbox: every received frame is appended here (synchronously, grouped into LevelDB
// batches), read back in seq order by the forwarder, and deleted only once the broker acked it.
// Memory stays bounded whatever the depth: only the pending group and one read chunk live in RAM.
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { META_KEY, RECORD_KEY_END, RECORD_KEY_MIN, recordKey, seqFromRecordKey } from './keys.js';
import { encodeMeta, type OutboxMeta } from './meta.js';
import { encodeRecord, type NewRecord } from './record-encoding.js';
import { Episode } from './episode.js';
import { ReopenGate } from './reopen-gate.js';
import { SerialQueue } from './serial-queue.js';
import { RecentCache } from './recent-cache.js';
import { RemovedSeqs } from './removed-seqs.js';
import { OutboxArgumentError, OutboxClosedError, OutboxLockedError, describeCause } from './errors.js';
import { openRecovering, type StoreRecovery } from '../store-recovery.js';
import {
  capturedAtOf,
  decodeEntry,
  iterateEntries,
  openStore,
  readEdge,
  readRange,
  readMeta,
  scanMeta,
  type OutboxDb,
  type StoredEntry,
} from './store.js';

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };
export type BatchWriter = (ops: BatchOp[], options: { sync: boolean }) => Promise<void>;

export interface OutboxOptions {
  dir: string;
  /** Bound on stored record JSON bytes; above it the oldest records are dropped down to 90%. */
  maxBytes?: number;
  /** Records captured longer ago than this are deleted by sweep(). */
  maxAgeMs?: number;
  flushIntervalMs?: number;
  flushMaxRecords?: number;
  /** fsync every batch (protects against power loss, costs SD card wear and latency). */
  sync?: boolean;
  /** Bound on records waiting in memory while the disk is stalled; the oldest are dropped beyond it. */
  maxPendingRecords?: number;
  logger?: Logger;
  now?: () => number;
  /** Records whose flush failed (disk full, I/O error). Without it they are counted as dropped.write_error. */
  onUnstored?: (records: OutboxRecord[], error: Error) => void;
  /** Compact the drained key range after this many deletions (tombstones slow head reads); 0 disables. */
  compactAfterDeletes?: number;
  /** Newest flushed records kept in memory so live traffic is not read back from disk. Default 4 MiB. */
  recentCacheBytes?: number;
  /** The daemon: repair a damaged store, or move it aside and start a fresh one, instead of failing. */
  recoverDamaged?: boolean;
  /** After a failed write, reopen the store (clears LevelDB's sticky error) at most this often. Default 2 s. */
  reopenRetryMs?: number;
  /** ...and only with at least this much free space on its file system. Default 4 MiB. */
  reopenMinFreeBytes?: number;
  /** Tests and benchmarks: wrap the batch writer to observe or fail writes. */
  wrapBatchWrite?: (write: BatchWriter) => BatchWriter;
}

export interface OutboxDropCounts {
  overflow: number;
  expired: number;
  corrupt: number;
  pending_overflow: number;
  write_error: number;
}

export interface OutboxStats {
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

export interface SweepResult {
  expired: number;
  overflow: number;
}

interface PendingRecord {
  seq: number;
  value: Buffer;
  capturedAt: string;
}

interface ResolvedOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  flushIntervalMs: number;
  flushMaxRecords: number;
  sync: boolean;
  maxPendingRecords: number;
  compactAfterDeletes: number;
  recentCacheBytes: number;
}

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Overflow drops go down to this share of maxBytes, so the next drop is a while away. */
const OVERFLOW_TARGET_RATIO = 0.9;
/** The "outbox full" episode ends once delivery brings the store under this share of maxBytes. */
const OVERFLOW_RECOVERED_RATIO = 0.5;
/** Records per read/delete chunk in ack ranges, sweeps and drops. */
const CHUNK = 512;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new OutboxArgumentError(`outbox option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function resolveOptions(o: OutboxOptions): ResolvedOptions {
  if (typeof o.dir !== 'string' || o.dir === '') throw new OutboxArgumentError('outbox option dir must be a path');
  const compactAfterDeletes = o.compactAfterDeletes ?? 50_000;
  if (!Number.isSafeInteger(compactAfterDeletes) || compactAfterDeletes < 0) {
    throw new OutboxArgumentError(`outbox option compactAfterDeletes must be >= 0, got ${String(compactAfterDeletes)}`);
  }
  const flushIntervalMs = o.flushIntervalMs ?? 20;
  if (!Number.isFinite(flushIntervalMs) || flushIntervalMs < 0) {
    throw new OutboxArgumentError(`outbox option flushIntervalMs must be >= 0, got ${String(flushIntervalMs)}`);
  }
  return {
    dir: o.dir,
    maxBytes: positiveInteger('maxBytes', o.maxBytes ?? 512 * MIB),
    maxAgeMs: positiveInteger('maxAgeMs', o.maxAgeMs ?? 30 * DAY_MS),
    flushIntervalMs,
    flushMaxRecords: positiveInteger('flushMaxRecords', o.flushMaxRecords ?? 256),
    sync: o.sync ?? false,
    maxPendingRecords: positiveInteger('maxPendingRecords', o.maxPendingRecords ?? 20_000),
    compactAfterDeletes,
    recentCacheBytes: positiveInteger('recentCacheBytes', o.recentCacheBytes ?? 4 * MIB),
  };
}

export class Outbox {
  /** Replaced when the store is reopened after a persistent write error. */
  private db: OutboxDb;
  private readonly opts: ResolvedOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly onUnstored: OutboxOptions['onUnstored'];
  private readonly write: BatchWriter;
  private readonly serial = new SerialQueue();
  private readonly flushListeners = new Set<(lastSeq: number) => void>();

  private meta: OutboxMeta;
  private nextSeq: number;
  private firstSeq: number | null;
  private lastSeq: number | null;
  private oldestCapturedAt: string | null;
  private readonly recent: RecentCache;
  /** Backlog ranges handed out by readBatch, so their ack needs no second read for byte accounting. */
  private readonly readMemo = new Map<number, { to: number; entries: StoredEntry[] }>();
  /** Seqs removed on purpose since open (acked, dropped by a counted bound, handed to onUnstored). */
  private readonly removed: RemovedSeqs;
  /** Highest seq handed to onUnstored: it may have reached the hub, so it must never be reused. */
  private highestUnstoredSeq = 0;

  private pending: PendingRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closing = false;
  private closePromise: Promise<void> | null = null;
  private compaction: Promise<void> | null = null;
  private deletesSinceCompact = 0;

  private readonly dropped: OutboxDropCounts = { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 };
  private writeErrors = 0;
  private appended = 0;
  private acked = 0;
  private flushes = 0;
  private reopens = 0;
  private failedWritesInARow = 0;
  private readonly reopenGate: ReopenGate;

  private readonly overflowEpisode = new Episode();
  private readonly expiryEpisode = new Episode();
  private readonly writeFailureEpisode = new Episode();
  private readonly stallEpisode = new Episode();

  static async open(options: OutboxOptions): Promise<Outbox> {
    const opts = resolveOptions(options);
    const log = options.logger ?? silentLogger();
    if (!options.recoverDamaged) {
      const opened = await Outbox.openState(opts.dir, log);
      return new Outbox(opened.db, opts, options, log, opened.meta, opened.head, opened.tail, null);
    }
    const { value, recovery } = await openRecovering({
      dir: opts.dir,
      store: 'outbox',
      open: () => Outbox.openState(opts.dir, log),
      isLocked: (err) => err instanceof OutboxLockedError,
      logger: log,
    });
    return new Outbox(value.db, opts, options, log, value.meta, value.head, value.tail, recovery);
  }

  /** Opens the store and reads its edges and meta: what must work for the store to be usable. */
  private static async openState(
    dir: string,
    log: Logger,
  ): Promise<{ db: OutboxDb; meta: OutboxMeta; head: StoredEntry | null; tail: StoredEntry | null }> {
    const db = await openStore(dir, { create: true });
    try {
      const stored = await readMeta(db);
      const head = await readEdge(db, false);
      const tail = await readEdge(db, true);
      let meta: OutboxMeta;
      if (stored !== null && (stored.count === 0) === (head === null) && (tail?.seq ?? 0) < stored.nextSeq) {
        meta = stored;
      } else {
        // Only a store written without meta (or damaged) gets here; one streaming pass repairs it.
        if (stored !== null || head !== null) {
          log.warn({ dir }, 'outbox meta missing or inconsistent: recounting the store');
        }
        meta = await scanMeta(db, stored?.nextSeq ?? 1);
        await db.put(META_KEY, encodeMeta(meta));
      }
      return { db, meta, head, tail };
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  private constructor(
    db: OutboxDb,
    opts: ResolvedOptions,
    raw: OutboxOptions,
    log: Logger,
    meta: OutboxMeta,
    head: StoredEntry | null,
    tail: StoredEntry | null,
    readonly recovery: StoreRecovery | null,
  ) {
    this.db = db;
    this.opts = opts;
    this.log = log;
    this.now = raw.now ?? Date.now;
    this.onUnstored = raw.onUnstored;
    const base: BatchWriter = (ops, o) => this.db.batch(ops, { sync: o.sync });
    this.write = raw.wrapBatchWrite ? raw.wrapBatchWrite(base) : base;
    this.meta = meta;
    this.nextSeq = meta.nextSeq;
    this.firstSeq = head?.seq ?? null;
    this.lastSeq = tail?.seq ?? null;
    this.oldestCapturedAt = capturedAtOf(head);
    // What is on disk at open is the backlog; everything flushed from now on is cached too.
    this.recent = new RecentCache(opts.recentCacheBytes, meta.nextSeq - 1);
    this.removed = new RemovedSeqs(meta.nextSeq - 1);
    this.reopenGate = new ReopenGate(opts.dir, raw.reopenMinFreeBytes ?? 4 * MIB, raw.reopenRetryMs ?? 2000, this.now);
  }

  // ---- appending ----

  /**
   * Assigns the next seq and queues the record for the next group write. Never waits for the disk.
   * Throws OutboxArgumentError for a record that cannot be stored, OutboxClosedError after close().
   */
  append(record: NewRecord): number {
    if (this.closing) throw new OutboxClosedError('append');
    const seq = this.nextSeq;
    const value = encodeRecord(seq, record);
    this.nextSeq = seq + 1;
    this.appended += 1;
    this.pending.push({ seq, value, capturedAt: record.capturedAt });
    if (this.pending.length > this.opts.maxPendingRecords) this.dropOldestPending();
    this.scheduleFlush();
    return seq;
  }

  /** Called after every successful flush with the highest seq written. Returns an unsubscribe function. */
  onFlushed(listener: (lastSeq: number) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Writes out everything appended so far (shutdown, tests). Write failures go to onUnstored, not here. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      if (this.pending.length === 0) return;
      this.startFlush();
    }
  }

  private dropOldestPending(): void {
    const excess = this.pending.length - this.opts.maxPendingRecords;
    const doomed = this.pending.splice(0, excess);
    this.removed.add(doomed.map((p) => p.seq));
    this.dropped.pending_overflow += excess;
    if (this.stallEpisode.record(excess, this.now())) {
      this.log.warn(
        { dir: this.opts.dir, maxPendingRecords: this.opts.maxPendingRecords },
        'outbox writes are stalled: more records are waiting than maxPendingRecords, dropping the oldest waiting records',
      );
    }
  }

  private scheduleFlush(): void {
    if (this.pending.length >= this.opts.flushMaxRecords) {
      this.startFlush();
    } else if (!this.timer && !this.flushing) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startFlush();
      }, this.opts.flushIntervalMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.clearTimer();
    this.flushing = this.serial
      .run(() => this.drainPending())
      .catch((err: unknown) => {
        this.log.error({ err, dir: this.opts.dir }, 'outbox flush failed unexpectedly');
      })
      .finally(() => {
        this.flushing = null;
        if (this.pending.length > 0) this.scheduleFlush();
      });
  }

  private async drainPending(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, this.opts.flushMaxRecords);
      await this.writeGroup(group);
    }
  }

  private async writeGroup(group: PendingRecord[]): Promise<void> {
    const ops: BatchOp[] = [];
    let added = 0;
    for (const p of group) {
      ops.push({ type: 'put', key: recordKey(p.seq), value: p.value });
      added += p.value.length;
    }
    // Seqs still pending are not written here: after a crash they are handed out again, so the seqs
    // at the hub stay contiguous. A seq that may have left the daemon (onUnstored) is never reused.
    const lastSeq = group.length > 0 ? group[group.length - 1].seq : 0;
    const next: OutboxMeta = { nextSeq: Math.max(this.durableNextSeq(), lastSeq + 1), bytes: this.meta.bytes + added, count: this.meta.count + group.length };
    ops.push({ type: 'put', key: META_KEY, value: encodeMeta(next) });
    try {
      await this.writeOps(ops);
    } catch (err) {
      this.handleFlushFailure(group, err);
      return;
    }
    this.meta = next;
    this.recent.add(group);
    const first = group[0];
    const last = group[group.length - 1];
    if (this.firstSeq === null && first) {
      this.firstSeq = first.seq;
      this.oldestCapturedAt = first.capturedAt;
    }
    if (last) this.lastSeq = last.seq;
    this.flushes += 1;
    this.endWriteEpisodes();
    if (this.meta.bytes > this.opts.maxBytes) {
      try {
        await this.enforceBounds();
      } catch (err) {
        this.log.error({ err, dir: this.opts.dir }, 'outbox could not enforce its size bound');
      }
    }
    if (last) this.notifyFlushed(last.seq);
  }

  /**
   * Every batch write goes through here (always inside the serial queue). When a write fails while
   * the file system has room again, the error may be LevelDB's sticky background error (set by a
   * compaction that hit a full disk): the store is reopened and the write tried once more.
   */
  private async writeOps(ops: BatchOp[]): Promise<void> {
    try {
      await this.write(ops, { sync: this.opts.sync });
      this.failedWritesInARow = 0;
      return;
    } catch (err) {
      this.failedWritesInARow += 1;
      // A first failure is usually the disk filling up right now; a second in a row while the
      // disk has room is the sticky error. The caller counts the failure when the retry fails too.
      if (this.failedWritesInARow < 2 || !(await this.reopenGate.due()) || !(await this.reopenStore(err))) throw err;
    }
    await this.write(ops, { sync: this.opts.sync });
    this.failedWritesInARow = 0;
  }

  /** Closes and reopens the store; what it holds becomes the truth. False when the reopen failed. */
  private async reopenStore(cause: unknown): Promise<boolean> {
    this.readMemo.clear();
    if (this.compaction) await this.compaction;
    await this.db.close().catch(() => undefined);
    let opened: Awaited<ReturnType<typeof Outbox.openState>>;
    try {
      opened = await Outbox.openState(this.opts.dir, this.log);
    } catch (err) {
      // Left closed: the next write fails fast and tries again once the gate allows it.
      this.log.error({ err, dir: this.opts.dir }, 'outbox store could not be reopened after write errors; retrying later');
      return false;
    }
    this.db = opened.db;
    this.meta = opened.meta;
    this.firstSeq = opened.head?.seq ?? null;
    this.lastSeq = opened.tail?.seq ?? null;
    this.oldestCapturedAt = capturedAtOf(opened.head);
    this.reopens += 1;
    this.log.warn(
      { dir: this.opts.dir, cause: describeCause(cause), depth: opened.meta.count },
      'outbox store reopened: writes kept failing although the disk has room again (LevelDB keeps a failed background write until reopened)',
    );
    return true;
  }

  /** The nextSeq to store: past every written seq and every seq that may have left the daemon. */
  private durableNextSeq(): number {
    return Math.max(this.meta.nextSeq, this.highestUnstoredSeq + 1);
  }

  private handleFlushFailure(group: PendingRecord[], err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.writeErrors += 1;
    if (this.writeFailureEpisode.record(group.length, this.now())) {
      this.log.error(
        { err: error, dir: this.opts.dir, records: group.length },
        `outbox write failed (${describeCause(error)}): new records are not being stored; disk full or failing? ` +
          'Retrying with each new group.',
      );
    }
    const records = group.map((p) => JSON.parse(p.value.toString('utf8')) as OutboxRecord);
    this.removed.add(group.map((p) => p.seq));
    const last = group[group.length - 1];
    if (last) this.highestUnstoredSeq = Math.max(this.highestUnstoredSeq, last.seq);
    if (!this.onUnstored) {
      this.dropped.write_error += records.length;
      return;
    }
    try {
      this.onUnstored(records, error);
    } catch (handlerErr) {
      this.dropped.write_error += records.length;
      this.log.error({ err: handlerErr }, 'outbox onUnstored handler threw; the records are lost');
    }
  }

  private endWriteEpisodes(): void {
    const now = this.now();
    const failed = this.writeFailureEpisode.end(now);
    if (failed) {
      this.log.info(
        { dir: this.opts.dir, unstoredRecords: failed.affected, durationMs: failed.durationMs },
        `outbox writes recovered; ${failed.affected} records were not stored during the failure`,
      );
    }
    const stalled = this.stallEpisode.end(now);
    if (stalled) {
      this.log.info(
        { dir: this.opts.dir, droppedRecords: stalled.affected, durationMs: stalled.durationMs },
        `outbox writes caught up; ${stalled.affected} waiting records were dropped during the stall`,
      );
    }
  }

  private notifyFlushed(lastSeq: number): void {
    for (const listener of this.flushListeners) {
      try {
        listener(lastSeq);
      } catch (err) {
        this.log.error({ err }, 'outbox onFlushed listener threw');
      }
    }
  }

  // ---- reading and acknowledging ----

  /**
   * Records with seq > afterSeq in seq order: at most maxRecords, and no more than maxBytes of stored
   * JSON (but always at least one record when any exists). Undecodable values are deleted and counted.
   */
  async readBatch(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new OutboxArgumentError(`readBatch: afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    positiveInteger('readBatch maxRecords', maxRecords);
    positiveInteger('readBatch maxBytes', maxBytes);
    if (this.recent.covers(afterSeq)) {
      // Live traffic: just written, still in memory.
      return this.recent.read(afterSeq, maxRecords, maxBytes).map((e) => JSON.parse(e.value.toString('utf8')) as OutboxRecord);
    }
    const out: OutboxRecord[] = [];
    const outEntries: StoredEntry[] = [];
    const corrupt: Array<StoredEntry & { reason: string }> = [];
    let usedBytes = 0;
    let cursor = recordKey(afterSeq);
    let full = false;
    while (!full && out.length < maxRecords) {
      const want = maxRecords - out.length;
      const entries = await readRange(this.db, { gt: cursor, lt: RECORD_KEY_END }, want);
      for (const entry of entries) {
        cursor = entry.key;
        const decoded = decodeEntry(entry);
        if (!decoded.ok) {
          corrupt.push({ ...entry, reason: decoded.reason });
          continue;
        }
        if (out.length > 0 && usedBytes + entry.value.length > maxBytes) {
          full = true;
          break;
        }
        out.push(decoded.record);
        outEntries.push(entry);
        usedBytes += entry.value.length;
      }
      // Fewer entries than asked for: the range is exhausted. Otherwise only skipped corrupt
      // values can have left room, and the next pass continues after them.
      if (entries.length < want) break;
    }
    if (corrupt.length > 0) await this.serial.run(() => this.deleteCorrupt(corrupt));
    else if (out.length > 0) this.rememberRead(out[0].seq, out[out.length - 1].seq, outEntries);
    return out;
  }

  private rememberRead(from: number, to: number, entries: StoredEntry[]): void {
    this.readMemo.set(from, { to, entries });
    // Bounded: only the batches in flight matter; the oldest memo goes first.
    if (this.readMemo.size > 64) this.readMemo.delete(this.readMemo.keys().next().value as number);
  }

  /** Deletes delivered records (explicit seqs, or the inclusive range from..to). Unknown seqs are ignored. */
  async ack(delivered: number[] | { from: number; to: number }): Promise<void> {
    if (this.closePromise) throw new OutboxClosedError('ack');
    if (Array.isArray(delivered)) {
      for (const seq of delivered) {
        if (!Number.isSafeInteger(seq) || seq < 0) throw new OutboxArgumentError(`ack: invalid seq ${String(seq)}`);
      }
      const seqs = [...new Set(delivered)].sort((a, b) => a - b);
      await this.serial.run(() => this.ackSeqs(seqs));
    } else {
      const { from, to } = delivered ?? {};
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new OutboxArgumentError(`ack: invalid range ${JSON.stringify(delivered)}`);
      }
      await this.serial.run(() => this.ackRange(from, to));
    }
  }

  private async ackSeqs(seqs: number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i += CHUNK) {
      const keys = seqs.slice(i, i + CHUNK).map(recordKey);
      const values = await this.db.getMany(keys);
      const found: StoredEntry[] = [];
      values.forEach((value, j) => {
        const key = keys[j];
        if (value !== undefined && key) found.push({ key, seq: seqFromRecordKey(key), value });
      });
      if (found.length > 0) {
        await this.deleteEntries(found);
        this.acked += found.length;
      }
    }
    this.checkOverflowRecovered();
  }

  private async ackRange(from: number, to: number): Promise<void> {
    if (this.recent.covers(from - 1)) {
      // Every stored record of the range is cached: no need to read them back for their sizes.
      const cached = this.recent.range(from, to).map((e) => ({ key: recordKey(e.seq), seq: e.seq, value: e.value }));
      if (cached.length > 0) {
        await this.deleteEntries(cached);
        this.acked += cached.length;
      }
      this.checkOverflowRecovered();
      return;
    }
    const memo = this.readMemo.get(from);
    if (memo && memo.to === to) {
      this.readMemo.delete(from);
      await this.deleteEntries(memo.entries);
      this.acked += memo.entries.length;
      this.checkOverflowRecovered();
      return;
    }
    let start = Math.max(from, this.firstSeq ?? from);
    while (start <= to) {
      const found = await readRange(this.db, { gte: recordKey(start), lte: recordKey(to) }, CHUNK);
      if (found.length === 0) break;
      await this.deleteEntries(found);
      this.acked += found.length;
      const lastSeq = found[found.length - 1]?.seq;
      if (lastSeq === null || lastSeq === undefined) break;
      start = lastSeq + 1;
    }
    this.checkOverflowRecovered();
  }

  private async deleteCorrupt(items: Array<StoredEntry & { reason: string }>): Promise<void> {
    this.readMemo.clear();
    // Re-read inside the queue: an overflow drop may already have removed some of them.
    const values = await this.db.getMany(items.map((i) => i.key));
    const present: StoredEntry[] = [];
    const reasons: string[] = [];
    items.forEach((item, j) => {
      const value = values[j];
      if (value !== undefined) {
        present.push({ key: item.key, seq: item.seq, value });
        reasons.push(item.reason);
      }
    });
    if (present.length === 0) return;
    await this.deleteEntries(present);
    this.dropped.corrupt += present.length;
    present.forEach((entry, j) => {
      this.log.warn(
        { dir: this.opts.dir, key: entry.key.toString('hex'), seq: entry.seq, reason: reasons[j] },
        'outbox: deleted an undecodable record',
      );
    });
  }

  /** One atomic batch: delete the entries and write the adjusted meta; then refresh the cached edges. */
  private async deleteEntries(entries: StoredEntry[]): Promise<void> {
    // Marked before the write: a read running beside it must not take the holes for losses. If the
    // write fails the records stay stored and are simply read again.
    this.removed.add(entries.flatMap((e) => (e.seq === null ? [] : [e.seq])));
    const ops: BatchOp[] = entries.map((e) => ({ type: 'del', key: e.key }));
    let removedBytes = 0;
    for (const e of entries) removedBytes += e.value.length;
    const next: OutboxMeta = {
      nextSeq: this.durableNextSeq(),
      bytes: Math.max(0, this.meta.bytes - removedBytes),
      count: Math.max(0, this.meta.count - entries.length),
    };
    ops.push({ type: 'put', key: META_KEY, value: encodeMeta(next) });
    try {
      await this.writeOps(ops);
    } catch (err) {
      this.writeErrors += 1;
      throw err;
    }
    this.meta = next;
    this.recent.remove(entries.flatMap((e) => (e.seq === null ? [] : [e.seq])));
    this.deletesSinceCompact += entries.length;
    await this.refreshEdges(entries);
    this.maybeCompact();
  }

  private async refreshEdges(deleted: StoredEntry[]): Promise<void> {
    if (this.meta.count === 0) {
      this.firstSeq = null;
      this.lastSeq = null;
      this.oldestCapturedAt = null;
      return;
    }
    if (this.firstSeq !== null && this.recent.covers(this.firstSeq - 1)) {
      // Nothing is stored at or below the cache floor: the cache knows both edges.
      const head = this.recent.first();
      this.firstSeq = head?.seq ?? null;
      this.oldestCapturedAt = head?.capturedAt ?? null;
      this.lastSeq = this.recent.last()?.seq ?? null;
      return;
    }
    const deletedSeqs = new Set(deleted.map((e) => e.seq));
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

  // ---- bounds ----

  /** Deletes expired records, then enforces the byte bound. Called hourly by ops and after flushes when full. */
  async sweep(): Promise<SweepResult> {
    if (this.closePromise) throw new OutboxClosedError('sweep');
    return this.serial.run(() => this.enforceBounds());
  }

  private async enforceBounds(): Promise<SweepResult> {
    // Drops below may remove records a remembered read range still lists.
    this.readMemo.clear();
    const now = this.now();
    const expired = await this.expireOld(now);
    const overflow = this.meta.bytes > this.opts.maxBytes ? await this.dropOldest(now) : 0;
    if (overflow === 0) this.checkOverflowRecovered();
    return { expired, overflow };
  }

  /** Oldest entries from the head, `CHUNK` at a time. */
  private async readHeadChunk(): Promise<StoredEntry[]> {
    return readRange(this.db, { gte: recordKey(this.firstSeq ?? 0), lt: RECORD_KEY_END }, CHUNK);
  }

  /**
   * Walks from the head while records are older than maxAgeMs. Seq order follows capture order
   * (appends happen as frames arrive), so the walk stops at the first fresh record.
   */
  private async expireOld(now: number): Promise<number> {
    const cutoff = now - this.opts.maxAgeMs;
    let expiredTotal = 0;
    for (;;) {
      const entries = await this.readHeadChunk();
      const doomed: StoredEntry[] = [];
      let expired = 0;
      let corrupt = 0;
      let reachedFresh = false;
      for (const entry of entries) {
        const decoded = decodeEntry(entry);
        if (!decoded.ok) {
          corrupt += 1;
          doomed.push(entry);
          this.log.warn(
            { dir: this.opts.dir, key: entry.key.toString('hex'), seq: entry.seq, reason: decoded.reason },
            'outbox: deleted an undecodable record',
          );
          continue;
        }
        if (Date.parse(decoded.record.capturedAt) >= cutoff) {
          reachedFresh = true;
          break;
        }
        expired += 1;
        doomed.push(entry);
      }
      if (doomed.length > 0) {
        await this.deleteEntries(doomed);
        this.dropped.expired += expired;
        this.dropped.corrupt += corrupt;
        expiredTotal += expired;
      }
      if (reachedFresh || entries.length < CHUNK) break;
    }
    if (expiredTotal > 0) {
      if (this.expiryEpisode.record(expiredTotal, now)) {
        this.log.warn(
          { dir: this.opts.dir, maxAgeMs: this.opts.maxAgeMs, expired: expiredTotal },
          'outbox expiring records older than maxAgeMs: they were never delivered',
        );
      }
    } else {
      const ended = this.expiryEpisode.end(now);
      if (ended) {
        this.log.info({ dir: this.opts.dir, expired: ended.affected }, `outbox expiry ended: ${ended.affected} records expired`);
      }
    }
    return expiredTotal;
  }

  /** Deletes the oldest records until the store is under OVERFLOW_TARGET_RATIO of maxBytes. */
  private async dropOldest(now: number): Promise<number> {
    const target = Math.floor(this.opts.maxBytes * OVERFLOW_TARGET_RATIO);
    const startBytes = this.meta.bytes;
    let droppedTotal = 0;
    while (this.meta.bytes > target) {
      const entries = await this.readHeadChunk();
      if (entries.length === 0) {
        // Accounting says bytes remain but nothing is stored: trust the store.
        const emptied: OutboxMeta = { nextSeq: this.durableNextSeq(), bytes: 0, count: 0 };
        await this.writeOps([{ type: 'put', key: META_KEY, value: encodeMeta(emptied) }]);
        this.meta = emptied;
        break;
      }
      const doomed: StoredEntry[] = [];
      let remaining = this.meta.bytes;
      for (const entry of entries) {
        if (remaining <= target) break;
        doomed.push(entry);
        remaining -= entry.value.length;
      }
      await this.deleteEntries(doomed);
      this.dropped.overflow += doomed.length;
      droppedTotal += doomed.length;
    }
    if (droppedTotal > 0 && this.overflowEpisode.record(droppedTotal, now)) {
      this.log.warn(
        { dir: this.opts.dir, bytes: startBytes, maxBytes: this.opts.maxBytes, dropped: droppedTotal },
        'outbox full: dropping oldest records to stay under maxBytes (backhaul down or delivery too slow)',
      );
    }
    return droppedTotal;
  }

  private checkOverflowRecovered(): void {
    if (!this.overflowEpisode.active) return;
    if (this.meta.bytes >= this.opts.maxBytes * OVERFLOW_RECOVERED_RATIO) return;
    const ended = this.overflowEpisode.end(this.now());
    if (ended) {
      this.log.info(
        { dir: this.opts.dir, dropped: ended.affected, durationMs: ended.durationMs },
        `outbox no longer full: ${ended.affected} oldest records were dropped while it was full`,
      );
    }
  }

  // ---- inspection and lifecycle ----

  /** Seq of the oldest stored record, null when empty. */
  headSeq(): number | null {
    return this.firstSeq;
  }

  /** True when every seq in from..to left the store on purpose since open (or was before it). */
  removedOnPurpose(from: number, to: number): boolean {
    return this.removed.covers(from, to);
  }

  stats(): OutboxStats {
    return {
      depth: this.meta.count,
      bytes: this.meta.bytes,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      oldestCapturedAt: this.oldestCapturedAt,
      nextSeq: this.nextSeq,
      pending: this.pending.length,
      dropped: { ...this.dropped },
      writeErrors: this.writeErrors,
      appended: this.appended,
      acked: this.acked,
      flushes: this.flushes,
      reopens: this.reopens,
    };
  }

  /** Every stored, decodable record in seq order, streamed (export). Undecodable values are skipped. */
  async *entries(): AsyncGenerator<OutboxRecord> {
    for await (const entry of iterateEntries(this.db)) {
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
    await this.flush();
    this.clearTimer();
    await this.serial.idle();
    if (this.compaction) await this.compaction;
    this.flushListeners.clear();
    await this.db.close();
  }
}
