// The meta entry: counters kept in the same atomic batch as the records they describe, so a
// crash can never leave them out of step with the data, and open() needs no full scan.

export interface OutboxMeta {
  /** Next seq to assign; never goes backwards, even when the store is drained. */
  nextSeq: number;
  /** Sum of the stored record JSON sizes in bytes. */
  bytes: number;
  /** Number of stored records. */
  count: number;
}

const META_VERSION = 1;

export function encodeMeta(meta: OutboxMeta): Buffer {
  return Buffer.from(JSON.stringify({ v: META_VERSION, nextSeq: meta.nextSeq, bytes: meta.bytes, count: meta.count }));
}

function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The meta, or null when the value is missing or unreadable (the caller then rebuilds it by scanning). */
export function decodeMeta(value: Uint8Array | undefined): OutboxMeta | null {
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
  return { nextSeq: m.nextSeq, bytes: m.bytes, count: m.count };
}
