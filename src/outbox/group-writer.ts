// The append side of the outbox: records get their seq at once and wait in memory until the next
// group write (started at flushMaxRecords waiting or after flushIntervalMs; what waited meanwhile
// is written in batches of up to 1 MiB). A failed write hands the records to onUnstored; a stalled
// disk drops the oldest waiting records beyond maxPendingRecords.
import type { Logger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { clockFieldsOf, StoredRecord } from './stored-record.js';
import { RecordPut } from './keys.js';
import type { OutboxMeta } from './meta.js';
import { encodeRecord, type NewRecord } from './record-encoding.js';
import { ValueArena } from './value-arena.js';
import { Episode } from './episode.js';
import type { SerialQueue } from '../serial-queue.js';
import type { Retention } from './retention.js';
import type { StoredState } from './stored-state.js';
import type { BatchOp, OutboxOptions, ResolvedOptions } from './options.js';
import { describeCause } from './errors.js';

/** Bytes of record values per LevelDB batch when many records waited (at least one record). */
const GROUP_MAX_BYTES = 1024 * 1024;

/** A record waiting for its group write; once written, the same object goes into the recent cache. */
type PendingRecord = StoredRecord;

export class GroupWriter {
  private readonly flushListeners = new Set<(lastSeq: number) => void>();
  private pending: PendingRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly writeFailureEpisode = new Episode();
  private readonly stallEpisode = new Episode();
  /** Appended records (and their bytes) not yet settled: pending plus the group being written. */
  private waitingRecords = 0;
  private waitingBytes = 0;
  private readonly values = new ValueArena();
  /** Made once: append is on every uplink's path. */
  private readonly allocateValue = (bytes: number): Buffer => this.values.take(bytes);

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
    return this.pending.length;
  }

  /** What appends hold in memory until their group write settles: the measure of back-pressure. */
  get waiting(): { records: number; bytes: number } {
    return { records: this.waitingRecords, bytes: this.waitingBytes };
  }

  /** Encodes the record (its only encoding: reads and batches reuse these bytes) and queues it. */
  append(record: NewRecord): number {
    const state = this.state;
    const seq = state.nextSeq;
    const value = encodeRecord(seq, record, this.allocateValue);
    state.nextSeq = seq + 1;
    state.counters.appended += 1;
    this.pending.push(new StoredRecord(seq, record.capturedAt, value, clockFieldsOf(record)));
    this.waitingRecords += 1;
    this.waitingBytes += value.length;
    if (this.pending.length > this.opts.maxPendingRecords) this.dropOldestPending();
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
      if (this.pending.length === 0) return;
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
    const excess = this.pending.length - this.opts.maxPendingRecords;
    const doomed = this.pending.splice(0, excess);
    this.settled(doomed);
    this.state.removed.add(doomed.map((p) => p.seq));
    this.state.counters.dropped.pending_overflow += excess;
    if (this.stallEpisode.record(excess, this.now())) {
      this.log.warn(
        { dir: this.opts.dir, maxPendingRecords: this.opts.maxPendingRecords },
        'outbox writes are stalled: more records are waiting than maxPendingRecords, dropping the oldest waiting records',
      );
    }
  }

  private settled(group: PendingRecord[]): void {
    this.waitingRecords -= group.length;
    for (const p of group) this.waitingBytes -= p.json.length;
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
    let left = this.pending.length;
    while (left > 0 && this.pending.length > 0) {
      const group = this.pending.splice(0, groupLength(this.pending, left));
      left -= group.length;
      try {
        await this.writeGroup(group);
      } finally {
        this.settled(group);
      }
    }
  }

  private async writeGroup(group: PendingRecord[]): Promise<void> {
    const state = this.state;
    const ops: BatchOp[] = [];
    let added = 0;
    for (const p of group) {
      ops.push(new RecordPut(p.seq, p.json));
      added += p.json.length;
    }
    // Seqs still pending are not written here: after a crash they are handed out again, so the seqs
    // at the hub stay contiguous. A seq that may have left the daemon (onUnstored) is never reused.
    const lastSeq = group.length > 0 ? group[group.length - 1].seq : 0;
    const next: OutboxMeta = {
      nextSeq: Math.max(state.durableNextSeq(), lastSeq + 1),
      bytes: state.meta.bytes + added,
      count: state.meta.count + group.length,
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
    state.recent.add(group, next.bytes);
    const first = group[0];
    const last = group[group.length - 1];
    if (state.firstSeq === null && first) {
      state.firstSeq = first.seq;
      state.oldestCapturedAt = first.capturedAt;
    }
    if (last) state.lastSeq = last.seq;
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
    if (last) this.notifyFlushed(last.seq);
  }

  private handleFlushFailure(group: PendingRecord[], err: unknown): void {
    const state = this.state;
    const error = err instanceof Error ? err : new Error(String(err));
    state.counters.writeErrors += 1;
    if (this.writeFailureEpisode.record(group.length, this.now())) {
      this.log.error(
        { err: error, dir: this.opts.dir, records: group.length },
        `outbox write failed (${describeCause(error)}): new records are not being stored; disk full or failing? ` +
          'Retrying with each new group.',
      );
    }
    const records = group.map((p) => JSON.parse(p.json.toString('utf8')) as OutboxRecord);
    state.removed.add(group.map((p) => p.seq));
    const last = group[group.length - 1];
    if (last) state.highestUnstoredSeq = Math.max(state.highestUnstoredSeq, last.seq);
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

/** How many of the first `upTo` pending records fit in one group: GROUP_MAX_BYTES, at least one. */
function groupLength(pending: readonly PendingRecord[], upTo: number): number {
  let bytes = 0;
  let n = 0;
  while (n < upTo && n < pending.length && (n === 0 || bytes + pending[n].json.length <= GROUP_MAX_BYTES)) {
    bytes += pending[n].json.length;
    n += 1;
  }
  return n;
}
