// The outbox's options: what callers may set, the defaults, and the checks that reject bad values
// before anything is opened.
import type { Logger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { OutboxArgumentError } from './errors.js';
import type { BatchOp } from './batch-ops.js';
import { msOfIso } from '../clock/iso-time.js';

export type { BatchOp, KeyOp } from './batch-ops.js';
export type BatchWriter = (ops: BatchOp[], options: { sync: boolean }) => Promise<void>;

export interface OutboxOptions {
  dir: string;
  /** Bound on stored record JSON bytes; above it the oldest records are dropped down to 90%. */
  maxBytes?: number;
  /** Records captured longer ago than this are deleted by sweep(). */
  maxAgeMs?: number;
  /**
   * A record's capture time (Unix ms) for maxAgeMs. The daemon gives the corrected one: a record
   * stamped by a clock not yet synchronised (a fresh image boots at its build date) must not expire
   * when the clock is stepped forward. Default: capturedAt.
   */
  captureTimeOf?: (record: OutboxRecord) => number;
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
  /**
   * Compact the drained key range after this many deletions (tombstones slow head reads, and the
   * emptied tables stay mapped, so in RSS, until compacted away); 0 disables.
   */
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

export interface ResolvedOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  flushIntervalMs: number;
  flushMaxRecords: number;
  sync: boolean;
  maxPendingRecords: number;
  compactAfterDeletes: number;
  recentCacheBytes: number;
  captureTimeOf: (record: OutboxRecord) => number;
}

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new OutboxArgumentError(`outbox option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(o: OutboxOptions): ResolvedOptions {
  if (typeof o.dir !== 'string' || o.dir === '') throw new OutboxArgumentError('outbox option dir must be a path');
  const compactAfterDeletes = o.compactAfterDeletes ?? 25_000;
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
    captureTimeOf: o.captureTimeOf ?? ((record) => msOfIso(record.capturedAt)),
  };
}
