// The hub batch message (schema: docs/hub/batch.schema.json), built in one place. Bump
// HUB_SCHEMA_VERSION on any change that is not purely additive.
// Version 2 (issue 14): records carry the clock state at capture (clockSynced, gpsTime, bootId,
// monoMs) and say whether capturedAt was corrected after the clock synchronised.
import type { OutboxRecord, BatchRecord } from '../outbox/record.js';
import { isoOfMs, msOfIso } from '../clock/iso-time.js';
import {
  NO_CORRECTION,
  type CaptureClockFields,
  type CaptureCorrection,
  type CaptureCorrector,
  type UncorrectedReason,
} from '../clock/capture-stamp.js';

export const HUB_SCHEMA_VERSION = 2;

/** The versions `lora-edge hub-tail` (and hubs) may meet: gateways are upgraded one by one. */
export const HUB_SCHEMA_VERSIONS_READ: readonly number[] = [1, 2];

export interface HubBatch {
  schemaVersion: typeof HUB_SCHEMA_VERSION;
  gatewayId: string;
  /** `<firstSeq>-<lastSeq>`: the same records re-sent after a reconnect carry the same id. */
  batchId: string;
  sentAt: string;
  records: BatchRecord[];
}

/** What a batch adds to each record when it is sent, in this key order. */
export interface SendTimeFields {
  holdMs: number;
  replay: boolean;
  capturedAtCorrected: boolean;
  capturedAtLocal?: string;
  uncorrectedReason?: UncorrectedReason;
}

/** A record's send-time view: the capturedAt to send (corrected or as stored) and the fields added. */
export interface SendTime {
  capturedAt: string;
  fields: SendTimeFields;
  correction: CaptureCorrection;
}

/**
 * A record is a replay when it was captured before the current hub connection came up, that is,
 * it waited in the outbox through an outage (or a restart). Hold and replay use the corrected
 * capture time when there is one.
 */
export function sendTimeOf(
  capturedAt: string,
  clock: Partial<CaptureClockFields> | null,
  nowMs: number,
  onlineSinceMs: number,
  corrector: CaptureCorrector = NO_CORRECTION,
): SendTime {
  const correction = corrector.correct(clock ?? {});
  const capturedMs = correction.kind === 'corrected' ? correction.capturedAtMs : msOfIso(capturedAt);
  const holdMs = Math.max(0, nowMs - capturedMs);
  const replay = capturedMs < onlineSinceMs;
  if (correction.kind === 'corrected') {
    return {
      capturedAt: isoOfMs(capturedMs),
      fields: { holdMs, replay, capturedAtCorrected: true, capturedAtLocal: capturedAt },
      correction,
    };
  }
  const fields: SendTimeFields =
    correction.kind === 'uncorrected'
      ? { holdMs, replay, capturedAtCorrected: false, uncorrectedReason: correction.reason }
      : { holdMs, replay, capturedAtCorrected: false };
  return { capturedAt, fields, correction };
}

/** The record as a batch carries it: clock fields filled in for records stored before schema 2. */
export function toBatchRecord(record: OutboxRecord, send: SendTime): BatchRecord {
  const withClock =
    record.clockSynced === undefined
      ? { ...record, clockSynced: null, gpsTime: record.gpsTime ?? null, bootId: record.bootId ?? null, monoMs: record.monoMs ?? null }
      : record;
  return { ...withClock, capturedAt: send.capturedAt, ...send.fields };
}

/** A batch's id: its first and last seq. The same records re-sent carry the same id. */
export function batchIdOf(firstSeq: number, lastSeq: number): string {
  return `${firstSeq}-${lastSeq}`;
}

/** The batch without its records: `records` comes last, so record text can be spliced before `]}`. */
export function hubBatchEnvelope(gatewayId: string, firstSeq: number, lastSeq: number, nowMs: number): HubBatch {
  return {
    schemaVersion: HUB_SCHEMA_VERSION,
    gatewayId,
    batchId: batchIdOf(firstSeq, lastSeq),
    sentAt: new Date(nowMs).toISOString(),
    records: [],
  };
}

/** The batch as an object, send-time fields added (tests, and the reference fitHubBatch must match). */
export function buildHubBatch(
  gatewayId: string,
  records: OutboxRecord[],
  nowMs: number,
  onlineSinceMs: number,
  corrector: CaptureCorrector = NO_CORRECTION,
): HubBatch {
  const out: BatchRecord[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const clock = r.clockSynced === undefined ? null : r;
    out[i] = toBatchRecord(r, sendTimeOf(r.capturedAt, clock, nowMs, onlineSinceMs, corrector));
  }
  return { ...hubBatchEnvelope(gatewayId, records[0].seq, records[records.length - 1].seq, nowMs), records: out };
}

/** gzip members start with 1f 8b; JSON batches start with `{`. Hubs tell the two apart by that. */
export function isGzip(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === 0x1f && payload[1] === 0x8b;
}

/**
 * The hub's acknowledgement, published by the hub on `<prefix>/gateway/<id>/hub/ack` (QoS 1) once it
 * has committed batches: their `batchId`s. With `batch.hubAck` on, the gateway deletes records only
 * on this word, not on the broker's PUBACK (docs/hub/README.md, "Acknowledging batches").
 */
export interface HubAck {
  batchIds: string[];
}

/** Most batch ids one acknowledgement may carry (a hub acks as it commits; more is hostile). */
export const HUB_ACK_MAX_IDS = 10_000;
const BATCH_ID = /^\d{1,15}-\d{1,15}$/;

export function hubAckMessage(batchIds: readonly string[]): string {
  return JSON.stringify({ batchIds: [...batchIds] } satisfies HubAck);
}

/** The ids of a hub acknowledgement, or why it is not one. */
export function parseHubAck(payload: Buffer | string): { ok: true; batchIds: string[] } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const ids = (v as { batchIds?: unknown } | null)?.batchIds;
  if (!Array.isArray(ids)) return { ok: false, reason: 'no batchIds array' };
  if (ids.length > HUB_ACK_MAX_IDS) return { ok: false, reason: `more than ${HUB_ACK_MAX_IDS} batch ids` };
  for (const id of ids) {
    if (typeof id !== 'string' || !BATCH_ID.test(id)) return { ok: false, reason: `bad batch id ${JSON.stringify(id).slice(0, 40)}` };
  }
  return { ok: true, batchIds: ids as string[] };
}
