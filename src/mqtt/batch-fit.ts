// Cuts a batch so its encoded message (JSON envelope included, gzip's worst case allowed for) stays
// under the MQTT packet limit. A record too large on its own is shortened (its decoded data left
// out, texts cut); one that still does not fit is given up, so no batch is ever re-sent forever.
// Records read from the outbox arrive as their stored JSON bytes and are spliced in as they are,
// with only the send-time fields appended: a record is encoded once, when it is stored. Only a record
// whose capturedAt is corrected (captured before the clock synchronised), or one stored before hub
// schema 2, is parsed and encoded again.
import type { OutboxRecord, BatchRecord, RecordDecoded } from '../outbox/record.js';
import { StoredRecord } from '../outbox/stored-record.js';
import { MAX_REASON_CHARS, shorten } from '../bounded-text.js';
import { hubBatchEnvelope, sendTimeOf, toBatchRecord, type SendTime } from './hub-batch.js';
import { NO_CORRECTION, UNCORRECTED_REASONS, type CaptureCorrector, type UncorrectedReason } from '../clock/capture-stamp.js';

/** What a batch is built from: stored bytes from the outbox, or a record object (tests, other sources). */
export type BatchInput = OutboxRecord | StoredRecord;

/** How the capture times of a batch's records were sent. */
export interface CaptureTimeTally {
  corrected: number;
  uncorrected: Record<UncorrectedReason, number>;
}

export function emptyCaptureTimeTally(): CaptureTimeTally {
  return { corrected: 0, uncorrected: Object.fromEntries(UNCORRECTED_REASONS.map((r) => [r, 0])) as Record<UncorrectedReason, number> };
}

export type FittedBatch =
  /** The first `count` records, encoded (uncompressed); `shortened` of them lost their decoded data. */
  | { kind: 'batch'; count: number; json: Buffer; shortened: number; captureTimes: CaptureTimeTally }
  /** The first record cannot be sent at any size: acknowledge it without publishing. */
  | { kind: 'too_large'; count: 1; bytes: number };

/** Raw bytes allowed so that even incompressible JSON gzips under `maxPayload` (zlib's deflateBound plus the gzip wrapper). */
export function rawBudget(maxPayload: number, compression: 'none' | 'gzip'): number {
  return compression === 'gzip' ? Math.floor((maxPayload - 64) / (1 + 1 / 4096 + 1 / 16384)) : maxPayload;
}

const CLOSE = Buffer.from(']}');
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

/** The send-time view of one input: its clock fields (null for a record stored before schema 2) corrected. */
function sendTimeOfInput(input: BatchInput, nowMs: number, onlineSinceMs: number, corrector: CaptureCorrector): SendTime {
  const clock = input instanceof StoredRecord ? input.clock : input.clockSynced === undefined ? null : input;
  return sendTimeOf(input.capturedAt, clock, nowMs, onlineSinceMs, corrector);
}

/**
 * The send-time fields to put in place of a stored record's closing `}`, or null when the record
 * must be encoded again: our encoder always ends a record with `}`, so a value written otherwise
 * (trailing whitespace from a hand-edited store) is re-encoded and the splice can never produce
 * invalid JSON; a corrected capturedAt, or clock fields missing from an old record, need the record
 * encoded again too. `{...stored` + `,"holdMs":…,"replay":…,…}` is the same text as
 * JSON.stringify({ ...record, ...fields }), since stored records never carry the send-time keys
 * (NewRecord has no such fields).
 */
function spliceTail(input: BatchInput, send: SendTime): string | null {
  if (
    input instanceof StoredRecord &&
    input.clock !== null &&
    send.correction.kind !== 'corrected' &&
    input.json[input.json.length - 1] === CLOSE_BRACE
  ) {
    return `,${JSON.stringify(send.fields).slice(1)}`;
  }
  return null;
}

function batchRecordOf(input: BatchInput, send: SendTime): BatchRecord {
  return toBatchRecord(input instanceof StoredRecord ? input.record() : input, send);
}

/**
 * The longest prefix of `records` whose batch encodes to at most `maxBytes`. The result is
 * byte-for-byte what JSON.stringify(buildHubBatch(...)) gives for the same records.
 */
export function fitHubBatch(
  gatewayId: string,
  records: readonly BatchInput[],
  nowMs: number,
  onlineSinceMs: number,
  maxBytes: number,
  corrector: CaptureCorrector = NO_CORRECTION,
  /** Where the batch's bytes go (the publisher's BufferPool); filled completely. */
  allocate: (bytes: number) => Buffer = Buffer.allocUnsafe,
): FittedBatch {
  const firstSeq = records[0].seq;
  // The envelope with the full range's batchId: a prefix's id is never longer (seqs only grow).
  const fullEnvelope = hubBatchEnvelope(gatewayId, firstSeq, records[records.length - 1].seq, nowMs);
  const fullEnvelopeBytes = Buffer.byteLength(JSON.stringify(fullEnvelope));
  let used = fullEnvelopeBytes;
  // Record i is bodies[i] whole, or without its last byte followed by tails[i]: assembled once at
  // the end into one buffer, without a buffer per record for its send-time fields.
  const bodies: Buffer[] = [];
  const tails: Array<string | null> = [];
  let shortened = 0;
  const captureTimes = emptyCaptureTimeTally();
  for (const input of records) {
    const send = sendTimeOfInput(input, nowMs, onlineSinceMs, corrector);
    const sep = bodies.length > 0 ? 1 : 0;
    let tail = spliceTail(input, send);
    let body = tail === null ? Buffer.from(JSON.stringify(batchRecordOf(input, send))) : (input as StoredRecord).json;
    let bytes = tail === null ? body.length : body.length - 1 + Buffer.byteLength(tail);
    if (used + bytes + sep > maxBytes) {
      if (bodies.length > 0) break;
      // Alone and still too large: shorten it, or give it up.
      const text = Buffer.from(JSON.stringify(shortenRecord(batchRecordOf(input, send), bytes)));
      if (used + text.length > maxBytes) return { kind: 'too_large', count: 1, bytes: used + bytes };
      body = text;
      tail = null;
      bytes = text.length;
      shortened = 1;
    }
    bodies.push(body);
    tails.push(tail);
    used += bytes + sep;
    if (send.correction.kind === 'corrected') captureTimes.corrected += 1;
    else if (send.correction.kind === 'uncorrected') captureTimes.uncorrected[send.correction.reason] += 1;
  }
  const count = bodies.length;
  const envelope =
    count === records.length ? fullEnvelope : hubBatchEnvelope(gatewayId, firstSeq, records[count - 1].seq, nowMs);
  // `..."records":[]}` -> `..."records":[<records>]}`
  const head = JSON.stringify(envelope).slice(0, -2);
  const json = allocate(Buffer.byteLength(head) + used - fullEnvelopeBytes + CLOSE.length);
  let at = json.write(head, 0, 'utf8');
  for (let i = 0; i < count; i++) {
    if (i > 0) json[at++] = COMMA;
    const body = bodies[i];
    const tail = tails[i];
    if (tail === null) at += body.copy(json, at);
    else {
      at += body.copy(json, at, 0, body.length - 1);
      at += json.write(tail, at, 'utf8');
    }
  }
  CLOSE.copy(json, at);
  return { kind: 'batch', count, json, shortened, captureTimes };
}

/** The record without its decoded data and with every free text cut short: what the hub can still use. */
function shortenRecord(record: BatchRecord, bytes: number): BatchRecord {
  const decoded: RecordDecoded | null = record.decoded && {
    codec: shorten(record.decoded.codec, 128),
    data: null,
    warnings: [],
    errors: [`decoded data left out: the record (${bytes} bytes) does not fit the MQTT packet limit; decode phyPayload instead`],
  };
  const lorawan = record.lorawan.parseError === null ? record.lorawan : { ...record.lorawan, parseError: shorten(record.lorawan.parseError, MAX_REASON_CHARS) };
  const device = record.device && {
    devEui: record.device.devEui,
    name: shorten(record.device.name, 256),
    profile: shorten(record.device.profile, 256),
    owner: shorten(record.device.owner, 256),
  };
  return { ...record, lorawan, device, decoded, radio: { ...record.radio, source: shorten(record.radio.source, 256) } };
}
