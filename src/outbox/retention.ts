// The outbox's bounds: records older than maxAgeMs expire, and above maxBytes the oldest are
// dropped. Every drop is counted and logged once per episode; runs inside the store's serial queue.
import type { Logger } from '../log.js';
import type { OutboxMeta } from './meta.js';
import { Episode } from './episode.js';
import type { ReadMemo } from './read-memo.js';
import type { ResolvedOptions } from './options.js';
import { deletionOf, type StoredState } from './stored-state.js';
import { decodeEntry, readAfter, type StoredEntry } from './store.js';

export interface SweepResult {
  expired: number;
  overflow: number;
}

/** Overflow drops go down to this share of maxBytes, so the next drop is a while away. */
const OVERFLOW_TARGET_RATIO = 0.9;
/** The "outbox full" episode ends once delivery brings the store under this share of maxBytes. */
const OVERFLOW_RECOVERED_RATIO = 0.5;
/** Records per read/delete chunk. */
const CHUNK = 512;

export class Retention {
  private readonly overflowEpisode = new Episode();
  private readonly expiryEpisode = new Episode();

  constructor(
    private readonly state: StoredState,
    private readonly memo: ReadMemo,
    private readonly opts: ResolvedOptions,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Deletes expired records, then enforces the byte bound. Call inside the serial queue. */
  async enforceBounds(): Promise<SweepResult> {
    // Drops below may remove records a remembered read range still lists.
    this.memo.clear();
    const now = this.now();
    const expired = await this.expireOld(now);
    const overflow = this.state.meta.bytes > this.opts.maxBytes ? await this.dropOldest(now) : 0;
    if (overflow === 0) this.checkOverflowRecovered();
    return { expired, overflow };
  }

  /** Ends the "outbox full" episode once deliveries brought the store well under maxBytes. */
  checkOverflowRecovered(): void {
    if (!this.overflowEpisode.active) return;
    if (this.state.meta.bytes >= this.opts.maxBytes * OVERFLOW_RECOVERED_RATIO) return;
    const ended = this.overflowEpisode.end(this.now());
    if (ended) {
      this.log.info(
        { dir: this.opts.dir, dropped: ended.affected, durationMs: ended.durationMs },
        `outbox no longer full: ${ended.affected} oldest records were dropped while it was full`,
      );
    }
  }

  /** Oldest entries from the head, `CHUNK` at a time. */
  private async readHeadChunk(): Promise<StoredEntry[]> {
    return (await readAfter(this.state.db, (this.state.firstSeq ?? 1) - 1, CHUNK)).entries;
  }

  /**
   * Walks from the head while records are older than maxAgeMs. Seq order follows capture order
   * (appends happen as frames arrive), so the walk stops at the first fresh record.
   */
  private async expireOld(now: number): Promise<number> {
    const cutoff = now - this.opts.maxAgeMs;
    const dropped = this.state.counters.dropped;
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
        if (this.opts.captureTimeOf(decoded.record) >= cutoff) {
          reachedFresh = true;
          break;
        }
        expired += 1;
        doomed.push(entry);
      }
      if (doomed.length > 0) {
        await this.state.deleteEntries(deletionOf(doomed));
        dropped.expired += expired;
        dropped.corrupt += corrupt;
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
    const state = this.state;
    const target = Math.floor(this.opts.maxBytes * OVERFLOW_TARGET_RATIO);
    const startBytes = state.meta.bytes;
    let droppedTotal = 0;
    while (state.meta.bytes > target) {
      const entries = await this.readHeadChunk();
      if (entries.length === 0) {
        // Accounting says bytes remain but nothing is stored: trust the store.
        const emptied: OutboxMeta = { nextSeq: state.durableNextSeq(), bytes: 0, count: 0 };
        const reopened = await state.writeOps([state.metaOp(emptied, false)]);
        state.meta = emptied;
        // Like every write: after a reopen the store's own count is the truth.
        if (reopened) await state.recountAfterReopen();
        break;
      }
      const doomed: StoredEntry[] = [];
      let remaining = state.meta.bytes;
      for (const entry of entries) {
        if (remaining <= target) break;
        doomed.push(entry);
        remaining -= entry.value.length;
      }
      await state.deleteEntries(deletionOf(doomed));
      state.counters.dropped.overflow += doomed.length;
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
}
