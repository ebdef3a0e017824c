// The mapping between lora-edge types and ChirpStack's `gw` protobuf messages, in one place, using
// the official @chirpstack/chirpstack-api classes. The package is CommonJS: default import only
// (named imports type-check but fail at run time).
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type {
  UplinkFrame,
  ConnState,
  GatewayStats,
  CodeRateMap,
} from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import tsPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import durPb from 'google-protobuf/google/protobuf/duration_pb.js';
import type { Message } from 'google-protobuf';
import type { RadioFrame } from '../radio/radio-frame.js';

export type Marshaler = 'protobuf' | 'json';

const CODE_RATES: Record<string, CodeRateMap[keyof CodeRateMap]> = {
  '4/5': gw.CodeRate.CR_4_5,
  '4/6': gw.CodeRate.CR_4_6,
  '4/7': gw.CodeRate.CR_4_7,
  '4/8': gw.CodeRate.CR_4_8,
  '3/8': gw.CodeRate.CR_3_8,
  '2/6': gw.CodeRate.CR_2_6,
  '1/4': gw.CodeRate.CR_1_4,
  '1/6': gw.CodeRate.CR_1_6,
  '5/6': gw.CodeRate.CR_5_6,
  '4/5LI': gw.CodeRate.CR_LI_4_5,
  '4/6LI': gw.CodeRate.CR_LI_4_6,
  '4/8LI': gw.CodeRate.CR_LI_4_8,
};

const CRC_STATUS = { ok: gw.CRCStatus.CRC_OK, bad: gw.CRCStatus.BAD_CRC, none: gw.CRCStatus.NO_CRC } as const;

/** GPS epoch (1980-01-06T00:00:00Z) in Unix ms. */
const GPS_EPOCH_MS = Date.UTC(1980, 0, 6);

function timestampFromMs(ms: number): InstanceType<typeof tsPb.Timestamp> {
  const ts = new tsPb.Timestamp();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos(Math.round((ms % 1000) * 1e6));
  return ts;
}

function timestampFromIso(iso: string): InstanceType<typeof tsPb.Timestamp> | undefined {
  // Keep the microseconds the packet forwarder gives (Date.parse would cut them to ms).
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso.trim());
  if (!m) return undefined;
  const secondsMs = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (!Number.isFinite(secondsMs)) return undefined;
  const ts = new tsPb.Timestamp();
  ts.setSeconds(Math.floor(secondsMs / 1000));
  ts.setNanos(m[2] ? Number(m[2].padEnd(9, '0')) : 0);
  return ts;
}

export interface UplinkMapOptions {
  gatewayId: string;
  uplinkId: number;
}

/** A received frame as ChirpStack's `gw.UplinkFrame`, with every field the source gave. */
export function toUplinkFrame(frame: RadioFrame, opts: UplinkMapOptions): UplinkFrame {
  const modulation = new gw.Modulation();
  if (frame.modulation === 'LORA') {
    const lora = new gw.LoraModulationInfo();
    if (frame.bandwidth !== undefined) lora.setBandwidth(frame.bandwidth);
    if (frame.spreadingFactor !== undefined) lora.setSpreadingFactor(frame.spreadingFactor);
    if (frame.codeRate !== undefined) {
      const cr = CODE_RATES[frame.codeRate.replace(/\s/g, '')];
      if (cr !== undefined) lora.setCodeRate(cr);
      lora.setCodeRateLegacy(frame.codeRate);
    }
    modulation.setLora(lora);
  } else {
    const fsk = new gw.FskModulationInfo();
    if (frame.fskDatarate !== undefined) fsk.setDatarate(frame.fskDatarate);
    modulation.setFsk(fsk);
  }
  const txInfo = new gw.UplinkTxInfo();
  txInfo.setFrequency(frame.frequency);
  txInfo.setModulation(modulation);

  const rxInfo = new gw.UplinkRxInfo();
  rxInfo.setGatewayId(opts.gatewayId);
  rxInfo.setUplinkId(opts.uplinkId >>> 0);
  if (frame.gwTime) {
    const ts = timestampFromIso(frame.gwTime);
    if (ts) rxInfo.setGwTime(ts);
  }
  if (frame.gpsTimeMs !== undefined) {
    const d = new durPb.Duration();
    d.setSeconds(Math.floor(frame.gpsTimeMs / 1000));
    d.setNanos(Math.round((frame.gpsTimeMs % 1000) * 1e6));
    rxInfo.setTimeSinceGpsEpoch(d);
  }
  rxInfo.setRssi(Math.round(frame.rssi));
  if (frame.snr !== undefined) rxInfo.setSnr(frame.snr);
  if (frame.channel !== undefined) rxInfo.setChannel(frame.channel);
  if (frame.rfChain !== undefined) rxInfo.setRfChain(frame.rfChain);
  if (frame.context) rxInfo.setContext(new Uint8Array(frame.context));
  rxInfo.setCrcStatus(CRC_STATUS[frame.crc]);
  rxInfo.getMetadataMap().set('source', frame.source);

  const up = new gw.UplinkFrame();
  up.setPhyPayload(new Uint8Array(frame.payload));
  up.setTxInfo(txInfo);
  up.setRxInfo(rxInfo);
  return up;
}

export function toConnState(gatewayId: string, online: boolean): ConnState {
  const msg = new gw.ConnState();
  msg.setGatewayId(gatewayId);
  msg.setState(online ? gw.ConnState.State.ONLINE : gw.ConnState.State.OFFLINE);
  return msg;
}

export interface StatsInput {
  gatewayId: string;
  timeMs: number;
  rxReceived: number;
  rxReceivedOk: number;
  txReceived: number;
  txEmitted: number;
  metadata: Record<string, string>;
  location?: { latitude: number; longitude: number; altitude: number };
}

export function toGatewayStats(s: StatsInput): GatewayStats {
  const msg = new gw.GatewayStats();
  msg.setGatewayId(s.gatewayId);
  msg.setTime(timestampFromMs(s.timeMs));
  msg.setRxPacketsReceived(s.rxReceived);
  msg.setRxPacketsReceivedOk(s.rxReceivedOk);
  msg.setTxPacketsReceived(s.txReceived);
  msg.setTxPacketsEmitted(s.txEmitted);
  const md = msg.getMetadataMap();
  for (const [k, v] of Object.entries(s.metadata)) md.set(k, v);
  return msg;
}

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
  if (DURATION_KEYS.has(key) && v && typeof v === 'object') {
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
    if (isDefault(v) && !(key === 'state' || key === 'crcStatus')) continue;
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
