// Low-level access to the LevelDB store shared by the Outbox class and the operator tools:
// opening with typed errors, 1-item edge reads, and chunked streaming over the record range.
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import type { ClassicLevel } from 'classic-level';
import { RECORD_KEY_END, RECORD_KEY_MIN, META_KEY, recordKey, seqFromRecordKey } from './keys.js';
import { decodeMeta, type OutboxMeta } from './meta.js';
import { decodeRecord, type DecodeResult } from './record-encoding.js';
import { OutboxLockedError, OutboxNotFoundError, OutboxOpenError, isLockedError } from './errors.js';

/** `level` is classic-level on Node; the ClassicLevel type also exposes compactRange. */
export type OutboxDb = ClassicLevel<Buffer, Buffer>;

export interface OpenStoreOptions {
  /** Daemon: create the directory and store. Operator tools: false, a missing store is an error. */
  create: boolean;
}

export async function openStore(dir: string, opts: OpenStoreOptions): Promise<OutboxDb> {
  if (opts.create) {
    fs.mkdirSync(dir, { recursive: true });
  } else {
    if (!fs.existsSync(dir)) throw new OutboxNotFoundError(dir, 'the directory does not exist');
    if (!fs.statSync(dir).isDirectory()) throw new OutboxNotFoundError(dir, 'the path is not a directory');
    if (!fs.existsSync(path.join(dir, 'CURRENT'))) {
      throw new OutboxNotFoundError(dir, 'the directory holds no outbox store (no LevelDB CURRENT file)');
    }
  }
  const db = new Level<Buffer, Buffer>(dir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    createIfMissing: opts.create,
    // Small memtable and block cache: a gateway has 1 GB and reads mostly come from the recent cache.
    writeBufferSize: 2 * 1024 * 1024,
    cacheSize: 2 * 1024 * 1024,
  } as ConstructorParameters<typeof Level<Buffer, Buffer>>[1]) as unknown as OutboxDb;
  try {
    await db.open();
  } catch (err) {
    if (isLockedError(err)) throw new OutboxLockedError(dir, err);
    throw new OutboxOpenError(dir, err);
  }
  return db;
}

export interface StoredEntry {
  key: Buffer;
  seq: number | null;
  value: Buffer;
}

/**
 * What deleting a stored record needs: its key, its seq, and its value's size (for the byte count).
 * Kept instead of the entry where a deletion waits (the read memo): the value buffer can then be
 * freed once its batch is built, not when the batch is acknowledged.
 */
export interface StoredRef {
  key: Buffer;
  seq: number | null;
  bytes: number;
}

export function refOf(e: StoredEntry): StoredRef {
  return { key: e.key, seq: e.seq, bytes: e.value.length };
}

export interface KeyRange {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
}

/** Room for a full chunk of typical records per native call (the default stops at 16 KiB). */
const READ_HIGH_WATER_BYTES = 256 * 1024;

/**
 * Up to `max` entries of a key range, in order, stopping once their values reach `maxValueBytes`
 * (the entry that reaches it included, so a caller cutting at that size sees where to cut). nextv()
 * returns early once its byte budget is used, so a short answer does not mean the range ended: keep
 * asking until `max`, the byte budget, or empty.
 */
export async function readRange(db: OutboxDb, range: KeyRange, max: number, maxValueBytes = Infinity): Promise<StoredEntry[]> {
  // The native side stops a chunk at this many bytes: a batch-sized read takes one trip, and no
  // more records are fetched (and copied into buffers) than the batch can carry.
  const highWaterMarkBytes = Math.max(1, Math.min(READ_HIGH_WATER_BYTES, maxValueBytes));
  const it = db.iterator({ ...range, limit: max, highWaterMarkBytes });
  const out: StoredEntry[] = [];
  let valueBytes = 0;
  try {
    while (out.length < max && valueBytes < maxValueBytes) {
      const entries = await it.nextv(max - out.length);
      if (entries.length === 0) break;
      for (const [key, value] of entries) {
        out.push({ key, seq: seqFromRecordKey(key), value });
        valueBytes += value.length;
      }
    }
  } catch (err) {
    await it.close();
    throw err;
  }
  // Not awaited: the entries are in hand, and a backlog read is one native round trip shorter
  // (the drain reads back to back, so this latency bounds it). db.close() waits for open iterators.
  it.close().catch(() => undefined);
  return out;
}

/** First (or with `reverse`, last) record entry at or after `fromSeq`, via a 1-item iterator. */
export async function readEdge(db: OutboxDb, reverse: boolean, fromSeq = 0): Promise<StoredEntry | null> {
  const [entry] = await readRange(db, { gte: recordKey(fromSeq), lt: RECORD_KEY_END, reverse }, 1);
  return entry ?? null;
}

/**
 * Streams record entries in seq order, `chunk` at a time (bounded memory whatever the depth).
 * Starts after `afterKey` when given.
 */
export async function* iterateEntries(db: OutboxDb, chunk = 256, afterKey?: Buffer): AsyncGenerator<StoredEntry> {
  const it = db.iterator({
    ...(afterKey ? { gt: afterKey } : { gte: RECORD_KEY_MIN }),
    lt: RECORD_KEY_END,
    highWaterMarkBytes: READ_HIGH_WATER_BYTES,
  });
  try {
    for (;;) {
      const entries = await it.nextv(chunk);
      if (entries.length === 0) return;
      for (const [key, value] of entries) yield { key, seq: seqFromRecordKey(key), value };
    }
  } finally {
    await it.close();
  }
}

export async function readMeta(db: OutboxDb): Promise<OutboxMeta | null> {
  return decodeMeta(await db.get(META_KEY));
}

/** Recomputes the meta by one streaming pass (only when the meta entry is missing or inconsistent). */
export async function scanMeta(db: OutboxDb, knownNextSeq = 1): Promise<OutboxMeta> {
  let bytes = 0;
  let count = 0;
  let maxSeq = 0;
  for await (const entry of iterateEntries(db, 1024)) {
    bytes += entry.value.length;
    count += 1;
    if (entry.seq !== null && entry.seq > maxSeq) maxSeq = entry.seq;
  }
  return { nextSeq: Math.max(knownNextSeq, maxSeq + 1), bytes, count };
}

export function decodeEntry(entry: StoredEntry): DecodeResult {
  return decodeRecord(entry.seq, entry.value);
}

/** capturedAt of a decodable entry, else null. */
export function capturedAtOf(entry: StoredEntry | null): string | null {
  if (!entry) return null;
  const decoded = decodeEntry(entry);
  return decoded.ok ? decoded.record.capturedAt : null;
}
