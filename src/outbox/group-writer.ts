// The append side of the outbox: records get their seq at once and wait in memory until the next
// group write (started at flushMaxRecords waiting or after flushIntervalMs; what waited meanwhile
// is written in batches of up to 1 MiB). A failed write hands the records to onUnstored; a stalled
// disk drops the oldest waiting records beyond maxPendingRecords.
import type { Logger } from '../log.js';
import { RunPut } from './batch-ops.js';
import type { OutboxMeta } from './meta.js';
import type { NewRecord } from './record-encoding.js';
import type { OutboxRecord } from './record.js';
import { PendingRecords } from './pending-records.js';
import type { RecordRun } from './record-run.js';
import { Episode } from './episode.js';
import type { SerialQueue } from '../serial-queue.js';
import type { Retention } from './retention.js';
import type { StoredState } from './stored-state.js';
import type { BatchOp, OutboxOptions, ResolvedOptions } from './options.js';
import { describeCause } from './errors.js';

/** Bytes of record values per LevelDB batch when many records waited (at least one record). */
const GROUP_MAX_BYTES = 1024 * 1024;

/** One group write: runs of pending records in seq order (one per set of columns they span). */
interface Group {
  runs: RecordRun[];
  records: number;
  bytes: number;
}

export class GroupWriter {
  private readonly flushListeners = new Set<(lastSeq: number) => void>();
  /** Records waiting for their group write, off the JavaScript heap (record-columns.ts). */
  private readonly pending = new PendingRecords();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly writeFailureEpisode = new Episode();
  private readonly stallEpisode = new Episode();
  /** Appended records (and their bytes) not yet settled: pending plus the group being written. */
  private waitingRecords = 0;
  private waitingBytes = 0;

  constructor(
    private readonly state: StoredState,
    private readonly serial: SerialQueue,
    private readonly retention: Retention,
    private readonly opts: ResolvedOptions,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly onUnstored: OutboxOptions['onUnstored'],
  ) {}

  /** Appended records not yet written to disk. */
  get pendingCount(): number {
    return this.pending.count;
  }

  /** What appends hold in memory until their group write settles: the measure of back-pressure. */
  get waiting(): { records: number; bytes: number } {
    return { records: this.waitingRecords, bytes: this.waitingBytes };
  }

  /** Encodes the record (its only encoding: reads and batches reuse these bytes) and queues it. */
  append(record: NewRecord): number {
    const state = this.state;
    const seq = state.nextSeq;
    const bytes = this.pending.add(seq, record);
    state.nextSeq = seq + 1;
    state.counters.appended += 1;
    this.waitingRecords += 1;
    this.waitingBytes += bytes;
    if (this.pending.count > this.opts.maxPendingRecords) this.dropOldestPending();
    this.scheduleFlush();
    return seq;
  }

  onFlushed(listener: (lastSeq: number) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Writes out everything appended so far. Write failures go to onUnstored, not here. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      if (this.pending.count === 0) return;
      this.startFlush();
    }
  }

  /** Closing, after the final flush: no group write may be scheduled any more. */
  cancelTimer(): void {
    this.clearTimer();
  }

  /** Closing, once all queued work settled. */
  clearListeners(): void {
    this.flushListeners.clear();
  }

  private dropOldestPending(): void {
    const excess = this.pending.count - this.opts.maxPendingRecords;
    const doomed = this.pending.dropOldest(excess);
    this.waitingRecords -= doomed.seqs.length;
    this.waitingBytes -= doomed.bytes;
    this.state.removed.add(doomed.seqs);
    this.state.counters.dropped.pending_overflow += excess;
    if (this.stallEpisode.record(excess, this.now())) {
      this.log.warn(
        { dir: this.opts.dir, maxPendingRecords: this.opts.maxPendingRecords },
        'outbox writes are stalled: more records are waiting than maxPendingRecords, dropping the oldest waiting records',
      );
    }
  }

  private settled(group: Group): void {
    this.waitingRecords -= group.records;
    this.waitingBytes -= group.bytes;
  }

  private scheduleFlush(): void {
    if (this.pending.count >= this.opts.flushMaxRecords) {
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
        if (this.pending.count > 0) this.scheduleFlush();
      });
  }

  /**
   * Writes what was pending when the job started, then leaves the serial queue: records appended
   * meanwhile get a job of their own (startFlush's finally), queued behind the acknowledgements
   * waiting there. Looping until nothing was pending held the queue for as long as uplinks kept
   * coming, and the hub's acknowledgements (the deletions) waited for the traffic to stop.
   * What waited goes in batches of up to GROUP_MAX_BYTES, not of flushMaxRecords (the trigger):
   * each write costs an event-loop turn and an fsync, and at 20,000 frames/s 3,000-3,800 records
   * waited behind one write and took 15 writes of 256 (250-360 ms), closing the overload door.
   */
  private async drainPending(): Promise<void> {
    let left = this.pending.count;
    while (left > 0 && this.pending.count > 0) {
      const group = this.takeGroup(left);
      left -= group.records;
      try {
        await this.writeGroup(group);
      } finally {
        this.settled(group);
      }
    }
  }

  /** The oldest of the first `upTo` pending records that fit GROUP_MAX_BYTES (at least one), a run per set of columns. */
  private takeGroup(upTo: number): Group {
    const first = this.pending.take(upTo, GROUP_MAX_BYTES);
    const group: Group = { runs: [first], records: first.size, bytes: first.bytes };
    while (group.records < upTo && this.pending.count > 0 && group.bytes + this.pending.oldestBytes() <= GROUP_MAX_BYTES) {
      const run = this.pending.take(upTo - group.records, GROUP_MAX_BYTES - group.bytes);
      group.runs.push(run);
      group.records += run.size;
      group.bytes += run.bytes;
    }
    return group;
  }

  private async writeGroup(group: Group): Promise<void> {
    const state = this.state;
    const ops: BatchOp[] = group.runs.map((run) => new RunPut(run));
    // Seqs still pending are not written here: after a crash they are handed out again, so the seqs
    // at the hub stay contiguous. A seq that may have left the daemon (onUnstored) is never reused.
    const firstRun = group.runs[0];
    const lastSeq = group.runs[group.runs.length - 1].lastSeq;
    const next: OutboxMeta = {
      nextSeq: Math.max(state.durableNextSeq(), lastSeq + 1),
      bytes: state.meta.bytes + group.bytes,
      count: state.meta.count + group.records,
    };
    ops.push(state.metaOp(next, true));
    let reopened: boolean;
    try {
      reopened = await state.writeOps(ops);
    } catch (err) {
      this.handleFlushFailure(group, err);
      return;
    }
    state.meta = next;
    if (this.opts.sync) state.syncedNextSeq = Math.max(state.syncedNextSeq, next.nextSeq);
    if (state.firstSeq === null) {
      state.firstSeq = firstRun.firstSeq;
      state.oldestCapturedAt = firstRun.columns.capturedAtAt(firstRun.lo);
    }
    state.lastSeq = lastSeq;
    // Each run with what was stored up to it: the cache judges the backlog before it by that.
    let after = group.bytes;
    for (const run of group.runs) {
      after -= run.bytes;
      state.recent.add(run, next.bytes - after);
    }
    if (reopened) await state.recountAfterReopen();
    state.counters.flushes += 1;
    this.endWriteEpisodes();
    if (state.meta.bytes > this.opts.maxBytes) {
      try {
        await this.retention.enforceBounds();
      } catch (err) {
        this.log.error({ err, dir: this.opts.dir }, 'outbox could not enforce its size bound');
      }
    }
    this.notifyFlushed(lastSeq);
  }

  private handleFlushFailure(group: Group, err: unknown): void {
    const state = this.state;
    const error = err instanceof Error ? err : new Error(String(err));
    state.counters.writeErrors += 1;
    if (this.writeFailureEpisode.record(group.records, this.now())) {
      this.log.error(
        { err: error, dir: this.opts.dir, records: group.records },
        `outbox write failed (${describeCause(error)}): new records are not being stored; disk full or failing? ` +
          'Retrying with each new group.',
      );
    }
    const records: OutboxRecord[] = [];
    for (const run of group.runs) {
      for (const stored of run.stored()) records.push(stored.record());
      run.columns.release(run.size);
      state.removed.add(run.seqs());
    }
    state.highestUnstoredSeq = Math.max(state.highestUnstoredSeq, group.runs[group.runs.length - 1].lastSeq);
    if (!this.onUnstored) {
      state.counters.dropped.write_error += records.length;
      return;
    }
    try {
      this.onUnstored(records, error);
    } catch (handlerErr) {
      state.counters.dropped.write_error += records.length;
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
}
