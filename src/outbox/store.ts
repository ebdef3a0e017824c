// Low-level access to the LevelDB store shared by the Outbox class and the operator tools:
// opening with typed errors, 1-item edge reads, and chunked streaming over the record range.
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import type { ClassicLevel } from 'classic-level';
import { RECORD_KEY_END, RECORD_KEY_MIN, HEAD_META_KEY, TAIL_META_KEY, recordKey, seqFromRecordKey } from './keys.js';
import { resolveMeta, type MetaRead, type OutboxMeta } from './meta.js';
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

// The daemon's reads go through getMany and keys-only iterators, never through an iterator that
// carries values. classic-level frees a closed iterator's native half, which keeps a copy of the
// last chunk it read (values included), only when V8 collects the iterator's handle, and scavenges
// do not collect it: one such iterator per batch read held hundreds of MB outside V8's view while
// a backlog drained (scripts/bench/outbox-read.ts shows it). getMany hands its copies back and frees
// them in the same callback; a keys-only iterator keeps nine bytes.

/** Most keys asked of LevelDB in one getMany. */
const MAX_WINDOW = 1024;
/** Keys one probe step reads while looking for the next well-formed record key. */
const PROBE_KEYS = 16;

/** The stored entries among seqs from..to (inclusive), in seq order: one getMany. */
function readSeqs(db: OutboxDb, from: number, to: number): Promise<StoredEntry[]> {
  const keys: Buffer[] = [];
  for (let seq = from; seq <= to; seq += 1) keys.push(recordKey(seq));
  return readKeys(db, keys);
}

/** Keys of a range, in order, read by an iterator that carries no values. */
async function keysOf(db: OutboxDb, range: KeyRange, max: number): Promise<Buffer[]> {
  const it = db.iterator({ ...range, limit: max, values: false });
  try {
    const out: Buffer[] = [];
    while (out.length < max) {
      const entries = await it.nextv(max - out.length);
      if (entries.length === 0) break;
      for (const [key] of entries) out.push(key);
    }
    return out;
  } finally {
    await it.close();
  }
}

/**
 * The first well-formed record seq after `afterSeq` (up to `upTo`), or null, and the malformed keys
 * that sort before it (so the reader can delete them).
 */
async function probeAfter(db: OutboxDb, afterSeq: number, upTo: number): Promise<{ next: number | null; malformed: Buffer[] }> {
  const malformed: Buffer[] = [];
  let from = recordKey(afterSeq);
  for (;;) {
    const keys = await keysOf(db, { gt: from, lte: recordKey(upTo) }, PROBE_KEYS);
    for (const key of keys) {
      const seq = seqFromRecordKey(key);
      if (seq !== null) return { next: seq, malformed };
      malformed.push(key);
    }
    if (keys.length < PROBE_KEYS) return { next: null, malformed };
    from = keys[keys.length - 1];
  }
}

/** The entries stored under `keys`, in their order, by one getMany (seq null where a key is malformed). */
export async function readKeys(db: OutboxDb, keys: Buffer[]): Promise<StoredEntry[]> {
  if (keys.length === 0) return [];
  const values = await db.getMany(keys);
  const out: StoredEntry[] = [];
  keys.forEach((key, i) => {
    const value = values[i];
    if (value !== undefined) out.push({ key, seq: seqFromRecordKey(key), value });
  });
  return out;
}

export interface ReadAfterOptions {
  /** Stop once the values reach this many bytes (the entry that reaches it included). */
  maxValueBytes?: number;
  /** Highest seq wanted (inclusive). */
  upTo?: number;
  /** Expected size of one value: sizes the getMany windows to the byte budget. */
  typicalValueBytes?: number;
}

export interface ReadAfter {
  /** In key order; malformed keys met on the way come with seq null. */
  entries: StoredEntry[];
  /** Every stored record with a seq up to this one has been returned (or is malformed). */
  cursor: number;
  /** Nothing is stored after `cursor` (up to `upTo`). */
  exhausted: boolean;
}

/**
 * Up to `max` record entries with seqs after `afterSeq`, in seq order. Seqs are dense (appends
 * number them one by one; acknowledgements delete from the head), so windows of consecutive keys
 * are asked for with getMany; where a window finds nothing, a keys-only probe jumps the gap.
 * Malformed keys (not nine bytes) are met only in a probed gap; a full scan (the outbox tools,
 * the meta rebuild) sees them all.
 */
export async function readAfter(db: OutboxDb, afterSeq: number, max: number, opts: ReadAfterOptions = {}): Promise<ReadAfter> {
  const maxValueBytes = opts.maxValueBytes ?? Infinity;
  const upTo = opts.upTo ?? Number.MAX_SAFE_INTEGER - 1;
  const typical = Math.max(1, opts.typicalValueBytes ?? 512);
  const entries: StoredEntry[] = [];
  let records = 0;
  let bytes = 0;
  let cursor = afterSeq;
  while (records < max && bytes < maxValueBytes && cursor < upTo) {
    const left = max - records;
    const byBudget = Number.isFinite(maxValueBytes) ? Math.ceil((maxValueBytes - bytes) / typical) + 1 : left;
    const window = Math.min(left, byBudget, MAX_WINDOW, upTo - cursor);
    const found = await readSeqs(db, cursor + 1, cursor + window);
    if (found.length === 0) {
      const { next, malformed } = await probeAfter(db, cursor, upTo);
      entries.push(...(await readKeys(db, malformed)));
      if (next === null) return { entries, cursor, exhausted: true };
      cursor = next - 1;
      continue;
    }
    let last = cursor + window;
    for (const entry of found) {
      entries.push(entry);
      records += 1;
      bytes += entry.value.length;
      if (records >= max || bytes >= maxValueBytes) {
        last = entry.seq!;
        break;
      }
    }
    cursor = last;
  }
  return { entries, cursor, exhausted: cursor >= upTo };
}

/** First (or with `reverse`, last) record entry at or after `fromSeq`. */
export async function readEdge(db: OutboxDb, reverse: boolean, fromSeq = 0): Promise<StoredEntry | null> {
  for (;;) {
    const keys = await keysOf(db, { gte: recordKey(fromSeq), lt: RECORD_KEY_END, reverse }, 1);
    if (keys.length === 0) return null;
    const [entry] = await readKeys(db, keys);
    // Deleted between the two reads (a caller outside the outbox's queue): look again.
    if (entry) return entry;
  }
}

/** Room for a full chunk of typical records per native call (the default stops at 16 KiB). */
const READ_HIGH_WATER_BYTES = 256 * 1024;

/**
 * Streams record entries in seq order, `chunk` at a time (bounded memory whatever the depth).
 * Starts after `afterKey` when given. One iterator for the whole pass: a scan at open or by an
 * operator tool, not the daemon's steady reads (see readAfter).
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

/** The two meta entries, resolved to the newer (meta.ts). */
export async function readMeta(db: OutboxDb): Promise<MetaRead> {
  const [head, tail] = await db.getMany([HEAD_META_KEY, TAIL_META_KEY]);
  return resolveMeta(head, tail);
}

/** The stored meta when it agrees with the store's edges, else null (the store must be counted). */
export function consistentMeta(read: MetaRead, head: StoredEntry | null, tail: StoredEntry | null): OutboxMeta | null {
  const m = read.meta;
  return m !== null && (m.count === 0) === (head === null) && (tail?.seq ?? 0) < m.nextSeq ? m : null;
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
