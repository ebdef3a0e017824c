// Cuts a batch so its encoded message (JSON envelope included, gzip's worst case allowed for) stays
// under the MQTT packet limit. A record too large on its own is shortened (its decoded data left
// out, texts cut); one that still does not fit is given up, so no batch is ever re-sent forever.
import type { OutboxRecord, BatchRecord, RecordDecoded } from '../outbox/record.js';
import { MAX_REASON_CHARS, shorten } from '../bounded-text.js';
import { buildHubBatch } from './hub-batch.js';

export type FittedBatch =
  /** The first `count` records, encoded (uncompressed); `shortened` of them lost their decoded data. */
  | { kind: 'batch'; count: number; json: Buffer; shortened: number }
  /** The first record cannot be sent at any size: acknowledge it without publishing. */
  | { kind: 'too_large'; count: 1; bytes: number };

/** Raw bytes allowed so that even incompressible JSON gzips under `maxPayload` (zlib's deflateBound plus the gzip wrapper). */
export function rawBudget(maxPayload: number, compression: 'none' | 'gzip'): number {
  return compression === 'gzip' ? Math.floor((maxPayload - 64) / (1 + 1 / 4096 + 1 / 16384)) : maxPayload;
}

/**
 * The longest prefix of `records` whose batch encodes to at most `maxBytes`. Each record is
 * serialised once; the result is byte-for-byte what JSON.stringify(buildHubBatch(...)) gives.
 */
export function fitHubBatch(
  gatewayId: string,
  records: OutboxRecord[],
  nowMs: number,
  onlineSinceMs: number,
  maxBytes: number,
): FittedBatch {
  const batch = buildHubBatch(gatewayId, records, nowMs, onlineSinceMs);
  const parts: string[] = [];
  // The envelope with the full range's batchId: a prefix's id is never longer (seqs only grow).
  let used = Buffer.byteLength(JSON.stringify({ ...batch, records: [] }));
  let shortened = 0;
  for (const record of batch.records) {
    let text = JSON.stringify(record);
    let bytes = Buffer.byteLength(text) + (parts.length > 0 ? 1 : 0);
    if (used + bytes > maxBytes) {
      if (parts.length > 0) break;
      // Alone and still too large: shorten it, or give it up.
      text = JSON.stringify(shortenRecord(record, Buffer.byteLength(text)));
      bytes = Buffer.byteLength(text);
      if (used + bytes > maxBytes) return { kind: 'too_large', count: 1, bytes: used + Buffer.byteLength(JSON.stringify(record)) };
      shortened = 1;
    }
    parts.push(text);
    used += bytes;
  }
  const count = parts.length;
  const kept = count === records.length ? batch : { ...batch, batchId: `${records[0].seq}-${records[count - 1].seq}` };
  const envelope = JSON.stringify({ ...kept, records: [] });
  // `..."records":[]}` -> `..."records":[<parts>]}`
  const json = `${envelope.slice(0, -2)}${parts.join(',')}]}`;
  return { kind: 'batch', count, json: Buffer.from(json), shortened };
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
