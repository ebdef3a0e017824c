// The protobuf JSON mapping (mqtt.marshaler: json) and the one marshal() every publisher uses.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { Message } from 'google-protobuf';
import type { Marshaler } from './enums.js';

// --- Protobuf JSON mapping --------------------------------------------------------------------
// google-protobuf has no proto3 JSON support, so the toObject() form is converted: default values
// dropped (as ChirpStack's own emitter does), `fooMap`/`fooList` renamed, enums by name, bytes as
// base64, Timestamp as RFC 3339, Duration as "<seconds>s".

const ENUM_NAMES: Record<string, Record<number, string>> = {
  codeRate: invert(gw.CodeRate),
  crcStatus: invert(gw.CRCStatus),
  state: invert(gw.ConnState.State),
  status: invert(gw.TxAckStatus),
};
const TIMESTAMP_KEYS = new Set(['gwTime', 'nsTime', 'time']);
const DURATION_KEYS = new Set(['timeSinceGpsEpoch', 'fineTimeSinceGpsEpoch', 'delay']);

function invert(map: object): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(map)) out[v as number] = k;
  return out;
}

function isDefault(v: unknown): boolean {
  return v === undefined || v === null || v === 0 || v === '' || v === false || (Array.isArray(v) && v.length === 0);
}

function jsonValue(key: string, v: unknown): unknown {
  if (TIMESTAMP_KEYS.has(key) && v && typeof v === 'object') {
    const t = v as { seconds: number; nanos: number };
    const iso = new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
    return t.nanos ? `${iso}.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}Z` : `${iso}Z`;
  }
  // `delay` names both a Duration and the DelayTimingInfo wrapping one: only the former has seconds.
  if (DURATION_KEYS.has(key) && v && typeof v === 'object' && typeof (v as { seconds?: unknown }).seconds === 'number') {
    const d = v as { seconds: number; nanos: number };
    return d.nanos ? `${d.seconds}.${String(d.nanos).padStart(9, '0').replace(/0+$/, '')}s` : `${d.seconds}s`;
  }
  if (ENUM_NAMES[key] && typeof v === 'number') return ENUM_NAMES[key][v] ?? v;
  if (Array.isArray(v)) return v.map((x) => jsonValue('', x));
  if (v && typeof v === 'object') return jsonObject(v as Record<string, unknown>);
  return v;
}

function jsonObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(obj)) {
    if (rawKey.endsWith('Legacy')) continue;
    if (rawKey.endsWith('Map') && Array.isArray(v)) {
      if (v.length) out[rawKey.slice(0, -3)] = Object.fromEntries(v as Array<[string, unknown]>);
      continue;
    }
    const key = rawKey.endsWith('List') && Array.isArray(v) ? rawKey.slice(0, -4) : rawKey;
    // Enum fields keep their zero value only where the zero is meaningful for readers.
    if (isDefault(v) && !(key === 'state' || key === 'crcStatus' || key === 'status')) continue;
    out[key] = jsonValue(key, v);
  }
  return out;
}

/** The protobuf JSON mapping of a gw message (camelCase, enums by name, defaults omitted). */
export function toProtoJson(msg: Message): Record<string, unknown> {
  return jsonObject(msg.toObject() as Record<string, unknown>);
}

/** Encodes a gw message for the wire as the configured marshaler says. */
export function marshal(msg: Message, marshaler: Marshaler): Buffer {
  return marshaler === 'protobuf'
    ? Buffer.from(msg.serializeBinary())
    : Buffer.from(JSON.stringify(toProtoJson(msg)));
}
