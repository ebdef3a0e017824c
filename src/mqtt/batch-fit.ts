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

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');
const CLOSE_BRACE = 0x7d;

/** A record's batch text as byte pieces (concatenated once, at the end) and their total length. */
interface EncodedRecord {
  pieces: Buffer[];
  bytes: number;
}

/** The send-time view of one input: its clock fields (null for a record stored before schema 2) corrected. */
function sendTimeOfInput(input: BatchInput, nowMs: number, onlineSinceMs: number, corrector: CaptureCorrector): SendTime {
  const clock = input instanceof StoredRecord ? input.clock : input.clockSynced === undefined ? null : input;
  return sendTimeOf(input.capturedAt, clock, nowMs, onlineSinceMs, corrector);
}

function encodeBatchRecord(input: BatchInput, send: SendTime): EncodedRecord {
  // Our encoder always ends a record with `}`; a value written otherwise (trailing whitespace from
  // a hand-edited store) is re-encoded so the splice can never produce invalid JSON. A corrected
  // capturedAt, or clock fields missing from an old record, need the record encoded again.
  if (
    input instanceof StoredRecord &&
    input.clock !== null &&
    send.correction.kind !== 'corrected' &&
    input.json[input.json.length - 1] === CLOSE_BRACE
  ) {
    // `{...stored}` + `,"holdMs":…,"replay":…,…}`: the same text as JSON.stringify({ ...record, ...fields }),
    // since stored records never carry the send-time keys (NewRecord has no such fields).
    const head = input.json.subarray(0, input.json.length - 1);
    const tail = Buffer.from(`,${JSON.stringify(send.fields).slice(1)}`);
    return { pieces: [head, tail], bytes: head.length + tail.length };
  }
  const text = Buffer.from(JSON.stringify(batchRecordOf(input, send)));
  return { pieces: [text], bytes: text.length };
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
): FittedBatch {
  const firstSeq = records[0].seq;
  // The envelope with the full range's batchId: a prefix's id is never longer (seqs only grow).
  const fullEnvelope = hubBatchEnvelope(gatewayId, firstSeq, records[records.length - 1].seq, nowMs);
  let used = Buffer.byteLength(JSON.stringify(fullEnvelope));
  const parts: Buffer[] = [];
  let count = 0;
  let shortened = 0;
  const captureTimes = emptyCaptureTimeTally();
  for (const input of records) {
    const send = sendTimeOfInput(input, nowMs, onlineSinceMs, corrector);
    let encoded = encodeBatchRecord(input, send);
    const sep = count > 0 ? 1 : 0;
    if (used + encoded.bytes + sep > maxBytes) {
      if (count > 0) break;
      // Alone and still too large: shorten it, or give it up.
      const full = encoded.bytes;
      const text = Buffer.from(JSON.stringify(shortenRecord(batchRecordOf(input, send), full)));
      if (used + text.length > maxBytes) return { kind: 'too_large', count: 1, bytes: used + full };
      encoded = { pieces: [text], bytes: text.length };
      shortened = 1;
    }
    if (sep) parts.push(COMMA);
    parts.push(...encoded.pieces);
    used += encoded.bytes + sep;
    count += 1;
    if (send.correction.kind === 'corrected') captureTimes.corrected += 1;
    else if (send.correction.kind === 'uncorrected') captureTimes.uncorrected[send.correction.reason] += 1;
  }
  const envelope =
    count === records.length ? fullEnvelope : hubBatchEnvelope(gatewayId, firstSeq, records[count - 1].seq, nowMs);
  const envelopeText = JSON.stringify(envelope);
  // `..."records":[]}` -> `..."records":[<parts>]}`
  const json = Buffer.concat([Buffer.from(envelopeText.slice(0, -2)), ...parts, CLOSE]);
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
