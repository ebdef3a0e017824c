// Record values: the record JSON in UTF-8, `seq` first. Decoding checks just enough that the
// batch publisher can rely on the shape it gets back (an object with the seq of its key and a capturedAt).
import type { OutboxRecord } from './record.js';
import { OutboxArgumentError } from './errors.js';
import { msOfIso } from '../clock/iso-time.js';

export type NewRecord = Omit<OutboxRecord, 'seq'>;

export type DecodeResult = { ok: true; record: OutboxRecord } | { ok: false; reason: string };

/**
 * Serialises a record for storage into bytes from `allocate` (the outbox's ValueArena). Throws
 * OutboxArgumentError for input that is not a storable record.
 */
export function encodeRecord(seq: number, record: NewRecord, allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer {
  if (!record || typeof record !== 'object' || Array.isArray(record)) {
    throw new OutboxArgumentError('outbox append: record must be an object');
  }
  if (typeof record.capturedAt !== 'string' || Number.isNaN(msOfIso(record.capturedAt))) {
    throw new OutboxArgumentError(
      `outbox append: record.capturedAt must be an ISO 8601 time string, got ${JSON.stringify(record.capturedAt) ?? 'undefined'}`,
    );
  }
  let body: string;
  try {
    // seq first: spliced in front of the record's own JSON (no copy of the record per append);
    // a stray runtime `seq` in the input goes the slow way, where Object.assign lets ours win.
    body = Object.hasOwn(record, 'seq') ? '' : JSON.stringify(record);
    if (body.length < 2 || body.charCodeAt(0) !== 0x7b) return Buffer.from(JSON.stringify(Object.assign({ seq }, record, { seq })), 'utf8');
  } catch (err) {
    throw new OutboxArgumentError(`outbox append: record is not serialisable as JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  // `{"seq":N` + `,` + body without its `{` (or `}` for an empty record), written straight into
  // the value: the text is never concatenated into a second string first.
  const head = `{"seq":${seq}`;
  const value = allocate(head.length + Buffer.byteLength(body, 'utf8'));
  value.write(head, 0, 'latin1');
  value.write(body, head.length, 'utf8');
  value[head.length] = body.length === 2 ? 0x7d : 0x2c;
  return body.length === 2 ? value.subarray(0, head.length + 1) : value;
}

export function decodeRecord(expectedSeq: number | null, value: Uint8Array): DecodeResult {
  if (expectedSeq === null) return { ok: false, reason: 'malformed record key' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'value is not a JSON object' };
  }
  const rec = parsed as Partial<OutboxRecord>;
  if (rec.seq !== expectedSeq) {
    return { ok: false, reason: `seq mismatch: key says ${expectedSeq}, value says ${JSON.stringify(rec.seq) ?? 'nothing'}` };
  }
  if (typeof rec.capturedAt !== 'string' || Number.isNaN(msOfIso(rec.capturedAt))) {
    return { ok: false, reason: 'capturedAt missing or not a time' };
  }
  return { ok: true, record: parsed as OutboxRecord };
}
