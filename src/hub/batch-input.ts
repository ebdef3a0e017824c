// Reading a hub batch as it arrives from the broker: JSON or gzip, schemaVersion 1 or 2, checked
// field by field because anything can be published on a topic. A bad envelope refuses the whole
// batch; a bad record refuses only that record. Fields this version does not know are kept (the
// whole record is stored as JSON), so a gateway newer than the hub loses nothing. Never throws.
import { gunzipSync } from 'node:zlib';
import { HUB_SCHEMA_VERSIONS_READ, isGzip } from '../mqtt/hub-batch.js';
import { gatewayIdOfTopic } from '../mqtt/chirpstack/topics.js';

/** A batch is at most one MQTT packet (the gateway's default limit is 128 KiB); gzip can hide a bomb. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** LoRa frames are at most 255 bytes; base64 of that is 340 characters. */
const MAX_PHY_PAYLOAD_CHARS = 1024;
const GATEWAY_ID = /^[0-9a-f]{16}$/;
const HEX = /^[0-9a-f]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One record, reduced to what the database indexes; `raw` is the record exactly as received. */
export interface IngestRecord {
  seq: number;
  capturedMs: number;
  phyPayload: string;
  payloadBytes: number;
  devEui: string | null;
  devAddr: string | null;
  fCnt: number | null;
  mType: string | null;
  owner: string | null;
  rssi: number | null;
  snr: number | null;
  frequency: number | null;
  raw: Record<string, unknown>;
}

export interface RejectedRecord {
  seq: number | null;
  reason: string;
  raw: unknown;
}

export interface IngestBatch {
  gatewayId: string;
  schemaVersion: number;
  batchId: string | null;
  records: IngestRecord[];
  rejectedRecords: RejectedRecord[];
}

export type BatchRead = { ok: true; batch: IngestBatch } | { ok: false; reason: string; gatewayId: string | null };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function optionalHex(v: unknown, digits: number): string | null {
  if (typeof v !== 'string') return null;
  const s = v.toLowerCase();
  return s.length === digits && HEX.test(s) ? s : null;
}

/** One record of a batch, or why not. */
export function readRecord(raw: unknown): { ok: true; record: IngestRecord } | { ok: false; rejected: RejectedRecord } {
  const refuse = (reason: string) => ({
    ok: false as const,
    rejected: { seq: isObject(raw) && Number.isSafeInteger(raw.seq) ? (raw.seq as number) : null, reason, raw },
  });
  if (!isObject(raw)) return refuse('record is not an object');
  const seq = raw.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return refuse('seq must be a non-negative whole number');
  const capturedMs = typeof raw.capturedAt === 'string' ? Date.parse(raw.capturedAt) : NaN;
  if (!Number.isFinite(capturedMs)) return refuse('capturedAt must be an ISO 8601 time');
  const phy = raw.phyPayload;
  if (typeof phy !== 'string' || phy.length === 0 || phy.length > MAX_PHY_PAYLOAD_CHARS || phy.length % 4 !== 0 || !BASE64.test(phy)) {
    return refuse('phyPayload must be base64 of at most 768 bytes');
  }
  const radio = isObject(raw.radio) ? raw.radio : null;
  if (radio === null) return refuse('radio must be an object');
  const lorawan = isObject(raw.lorawan) ? raw.lorawan : {};
  const device = isObject(raw.device) ? raw.device : null;
  const fCnt = optionalNumber(lorawan.fCnt);
  const owner = device && typeof device.owner === 'string' && device.owner !== '' ? device.owner.slice(0, 256) : null;
  return {
    ok: true,
    record: {
      seq,
      capturedMs,
      phyPayload: phy,
      payloadBytes: Buffer.byteLength(phy, 'base64'),
      devEui: optionalHex(device?.devEui, 16) ?? optionalHex(lorawan.devEui, 16),
      devAddr: optionalHex(lorawan.devAddr, 8),
      fCnt: fCnt !== null && Number.isSafeInteger(fCnt) && fCnt >= 0 ? fCnt : null,
      mType: typeof lorawan.mType === 'string' ? lorawan.mType.slice(0, 64) : null,
      owner,
      rssi: optionalNumber(radio.rssi),
      snr: optionalNumber(radio.snr),
      frequency: optionalNumber(radio.frequency),
      raw,
    },
  };
}

/**
 * A batch payload from `topic`. The gateway id in the batch must be the one in the topic: a broker
 * ACL gives each gateway its own topic tree, so a batch claiming another gateway is refused.
 */
export function readBatch(topic: string, payload: Uint8Array): BatchRead {
  const topicGateway = gatewayIdOfTopic(topic);
  const refuse = (reason: string): BatchRead => ({ ok: false, reason, gatewayId: topicGateway });
  let text: string;
  try {
    const bytes = isGzip(payload) ? gunzipSync(payload, { maxOutputLength: MAX_BATCH_BYTES }) : Buffer.from(payload);
    if (bytes.length > MAX_BATCH_BYTES) return refuse(`batch larger than ${MAX_BATCH_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (e) {
    return refuse(`gzip: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return refuse(`not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  if (!isObject(parsed)) return refuse('batch is not a JSON object');
  const version = parsed.schemaVersion;
  if (typeof version !== 'number' || !HUB_SCHEMA_VERSIONS_READ.includes(version)) {
    return refuse(`unsupported schemaVersion ${JSON.stringify(version)?.slice(0, 40)} (this hub reads ${HUB_SCHEMA_VERSIONS_READ.join(', ')})`);
  }
  const gatewayId = typeof parsed.gatewayId === 'string' ? parsed.gatewayId.toLowerCase() : '';
  if (!GATEWAY_ID.test(gatewayId)) return refuse('gatewayId must be 16 hex digits');
  if (topicGateway !== null && topicGateway.toLowerCase() !== gatewayId) {
    return refuse(`gatewayId ${gatewayId} does not match the topic's gateway ${topicGateway.slice(0, 64)}`);
  }
  if (!Array.isArray(parsed.records)) return refuse('records must be a list');
  const records: IngestRecord[] = [];
  const rejectedRecords: RejectedRecord[] = [];
  for (const raw of parsed.records) {
    const r = readRecord(raw);
    if (r.ok) records.push(r.record);
    else rejectedRecords.push(r.rejected);
  }
  const batchId = typeof parsed.batchId === 'string' ? parsed.batchId.slice(0, 64) : null;
  return { ok: true, batch: { gatewayId, schemaVersion: version, batchId, records, rejectedRecords } };
}
