// The meta entry: counters kept in the same atomic batch as the records they describe, so a
// crash can never leave them out of step with the data, and open() needs no full scan.
//
// It is stored under two keys, one below the record range and one above it, and each batch writes
// the one beside the records it touches: appends the one above (they add the newest seqs),
// deletions the one below (they remove the oldest). A LevelDB table spans from its lowest key to
// its highest, and one key beside the records a batch did not touch makes every table it lands in
// span the whole store: with a single meta key below the records, each table of appends overlapped
// every table of older records, and LevelDB rewrote those at every compaction. A write
// generation, one higher in every batch, tells which of the two entries is the newer.
import type { BatchOp } from './options.js';
import { HEAD_META_KEY, TAIL_META_KEY } from './keys.js';

export interface OutboxMeta {
  /** Next seq to assign; never goes backwards, even when the store is drained. */
  nextSeq: number;
  /** Sum of the stored record JSON sizes in bytes. */
  bytes: number;
  /** Number of stored records. */
  count: number;
}

/** A meta entry as stored: the counters and the generation of the batch that wrote them. */
export interface StoredMeta extends OutboxMeta {
  /** Null in an entry written before there were two (one key, no generation). */
  gen: number | null;
}

const META_VERSION = 1;

export function encodeMeta(meta: OutboxMeta, gen: number): Buffer {
  return Buffer.from(JSON.stringify({ v: META_VERSION, nextSeq: meta.nextSeq, bytes: meta.bytes, count: meta.count, g: gen }));
}

function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The meta, or null when the value is missing or unreadable (the caller then rebuilds it by scanning). */
export function decodeMeta(value: Uint8Array | undefined): StoredMeta | null {
  if (!value) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const m = parsed as Record<string, unknown>;
  if (m.v !== META_VERSION || !isCounter(m.nextSeq) || !isCounter(m.bytes) || !isCounter(m.count)) return null;
  if (m.g !== undefined && !isCounter(m.g)) return null;
  return { nextSeq: m.nextSeq, bytes: m.bytes, count: m.count, gen: m.g ?? null };
}

/** The put that stores `meta` with a batch: `appends` for a batch of appends, else one of deletions. */
export function metaPut(meta: OutboxMeta, gen: number, appends: boolean): Extract<BatchOp, { type: 'put' }> {
  return { type: 'put', key: appends ? TAIL_META_KEY : HEAD_META_KEY, value: encodeMeta(meta, gen) };
}

/** What open() learns from the two meta entries. */
export interface MetaRead {
  /** The newer entry's counters, or null when they cannot be trusted and the store must be counted. */
  meta: OutboxMeta | null;
  /** A nextSeq no stored entry is above: seqs never go backwards, so the higher one is safe. */
  nextSeqFloor: number;
  /** The highest generation found; the next batch writes one above it. */
  gen: number;
  /** Whether either entry is stored at all (a new store has neither). */
  present: boolean;
  /** The only entry is one written before there were two (no generation). */
  legacy: boolean;
}

/** Picks the newer of the two stored entries (raw values, undefined when absent). */
export function resolveMeta(headValue: Uint8Array | undefined, tailValue: Uint8Array | undefined): MetaRead {
  const head = decodeMeta(headValue);
  const tail = decodeMeta(tailValue);
  const nextSeqFloor = Math.max(head?.nextSeq ?? 1, tail?.nextSeq ?? 1);
  const gen = Math.max(head?.gen ?? 0, tail?.gen ?? 0);
  const present = headValue !== undefined || tailValue !== undefined;
  const damaged = (headValue !== undefined && head === null) || (tailValue !== undefined && tail === null);
  // An entry without a generation beside one with it: a daemon from before the two entries ran on
  // this store after a newer one, and either may be the last written.
  const mixed = head !== null && tail !== null && (head.gen === null || tail.gen === null);
  const legacy = head !== null && head.gen === null && tailValue === undefined;
  if (damaged || mixed || !present) return { meta: null, nextSeqFloor, gen, present, legacy };
  const newer = tail === null || (head !== null && (head.gen ?? 0) > (tail.gen ?? 0)) ? head! : tail;
  return { meta: { nextSeq: nextSeqFloor, bytes: newer.bytes, count: newer.count }, nextSeqFloor, gen, present, legacy };
}
