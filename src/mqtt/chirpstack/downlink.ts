// Hub -> gateway: gw.DownlinkFrame (protobuf or its JSON mapping) parsed into plain specs, and
// gw.DownlinkTxAck built from the radio's statuses.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { DownlinkFrame, DownlinkTxAck } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import durPb from 'google-protobuf/google/protobuf/duration_pb.js';
import type { TxStatus } from '../../radio/downlink.js';
import { CODE_RATES, type Marshaler } from './enums.js';
import { quote, shorten } from '../../bounded-text.js';

// --- Downlinks: gw.DownlinkFrame in, gw.DownlinkTxAck out -------------------------------------
// A received DownlinkFrame becomes a plain DownlinkFrameSpec whether it came as protobuf or as the
// protobuf JSON mapping (ChirpStack's `json` marshaler), so the scheduling code sees one shape.

export type DownlinkTimingSpec =
  | { kind: 'immediately' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'gps'; gpsTimeMs: number };

export type DownlinkModulationSpec =
  | {
      kind: 'LORA';
      spreadingFactor: number;
      bandwidth: number;
      /** As written on air, e.g. `4/5`; undefined when the frame named none. */
      codeRate?: string;
      polarizationInversion: boolean;
      /** 0 = the radio's default. */
      preamble: number;
      noCrc: boolean;
    }
  | { kind: 'FSK'; datarate: number; frequencyDeviation: number }
  | { kind: 'LR_FHSS' };

export interface DownlinkTxInfoSpec {
  frequency: number;
  /** dBm EIRP. */
  power: number;
  modulation?: DownlinkModulationSpec;
  board: number;
  antenna: number;
  timing?: DownlinkTimingSpec;
  /** The uplink context the network server echoes back (empty when none). */
  context: Buffer;
}

export interface DownlinkItemSpec {
  phyPayload: Buffer;
  txInfo?: DownlinkTxInfoSpec;
}

export interface DownlinkFrameSpec {
  /** '' when the frame named no gateway. */
  gatewayId: string;
  downlinkId: number;
  items: DownlinkItemSpec[];
}

export type DownlinkFrameParse =
  | { ok: true; frame: DownlinkFrameSpec; format: Marshaler }
  | { ok: false; format: Marshaler; reason: string };

const CODE_RATE_TEXT: Record<number, string> = Object.fromEntries(
  Object.entries(CODE_RATES).map(([text, value]) => [value, text]),
);
const CODE_RATE_BY_ENUM_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(gw.CodeRate).flatMap(([name, value]) =>
    CODE_RATE_TEXT[value as number] ? [[name, CODE_RATE_TEXT[value as number]]] : [],
  ),
);

class DownlinkParseError extends Error {}

/**
 * ChirpStack sends one item per receive window (RX1, RX2); more are refused so that the
 * DownlinkTxAck, one status per item, stays small whatever the command holds.
 */
export const MAX_DOWNLINK_ITEMS = 8;

/**
 * Decodes a `command/down` payload. JSON when the first non-blank byte is `{` (the same sniffing
 * ChirpStack does), protobuf otherwise. Never throws.
 */
export function parseDownlinkFrame(payload: Buffer): DownlinkFrameParse {
  const first = payload.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  const format: Marshaler = first === 0x7b ? 'json' : 'protobuf';
  try {
    const frame = format === 'json' ? downlinkFromJson(payload) : downlinkFromProtobuf(payload);
    if (frame.items.length > MAX_DOWNLINK_ITEMS) {
      throw new DownlinkParseError(`${frame.items.length} items; at most ${MAX_DOWNLINK_ITEMS} are accepted (one per receive window)`);
    }
    return { ok: true, frame, format };
  } catch (err) {
    const reason = err instanceof DownlinkParseError ? err.message : `not a gw.DownlinkFrame (${(err as Error).message})`;
    return { ok: false, format, reason: shorten(reason) };
  }
}

function downlinkFromProtobuf(payload: Buffer): DownlinkFrameSpec {
  if (payload.length === 0) throw new DownlinkParseError('empty payload');
  const msg = gw.DownlinkFrame.deserializeBinary(new Uint8Array(payload));
  const legacyId = Buffer.from(msg.getGatewayIdLegacy_asU8());
  return {
    gatewayId: msg.getGatewayId() || legacyId.toString('hex'),
    downlinkId: msg.getDownlinkId(),
    items: msg.getItemsList().map((item) => {
      const txInfo = item.getTxInfo();
      const spec: DownlinkItemSpec = { phyPayload: Buffer.from(item.getPhyPayload_asU8()) };
      if (txInfo) spec.txInfo = txInfoFromProtobuf(txInfo);
      return spec;
    }),
  };
}

type DurationMsg = InstanceType<typeof durPb.Duration>;

function durationMs(d: DurationMsg | undefined): number {
  return d ? d.getSeconds() * 1000 + d.getNanos() / 1e6 : 0;
}

function txInfoFromProtobuf(tx: InstanceType<typeof gw.DownlinkTxInfo>): DownlinkTxInfoSpec {
  const spec: DownlinkTxInfoSpec = {
    frequency: tx.getFrequency(),
    power: tx.getPower(),
    board: tx.getBoard(),
    antenna: tx.getAntenna(),
    context: Buffer.from(tx.getContext_asU8()),
  };
  const modulation = tx.getModulation();
  const lora = modulation?.getLora();
  const fsk = modulation?.getFsk();
  if (lora) {
    spec.modulation = {
      kind: 'LORA',
      spreadingFactor: lora.getSpreadingFactor(),
      bandwidth: lora.getBandwidth(),
      codeRate: CODE_RATE_TEXT[lora.getCodeRate()] ?? (lora.getCodeRateLegacy() || undefined),
      polarizationInversion: lora.getPolarizationInversion(),
      preamble: lora.getPreamble(),
      noCrc: lora.getNoCrc(),
    };
  } else if (fsk) {
    spec.modulation = { kind: 'FSK', datarate: fsk.getDatarate(), frequencyDeviation: fsk.getFrequencyDeviation() };
  } else if (modulation?.hasLrFhss()) {
    spec.modulation = { kind: 'LR_FHSS' };
  }
  const timing = tx.getTiming();
  if (timing?.hasImmediately()) spec.timing = { kind: 'immediately' };
  else if (timing?.hasDelay()) spec.timing = { kind: 'delay', delayMs: durationMs(timing.getDelay()?.getDelay()) };
  else if (timing?.hasGpsEpoch()) {
    spec.timing = { kind: 'gps', gpsTimeMs: durationMs(timing.getGpsEpoch()?.getTimeSinceGpsEpoch()) };
  }
  return spec;
}

// The protobuf JSON mapping: lowerCamelCase names (parsers must accept the proto field names too),
// uint32/int32 as numbers (strings accepted), bytes as base64, enums by name or number, Duration
// as "1.5s".

type JsonObject = Record<string, unknown>;

function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field by its JSON name or its proto (snake_case) name. */
function field(obj: JsonObject, camel: string): unknown {
  if (obj[camel] !== undefined) return obj[camel];
  return obj[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function objectField(obj: JsonObject, camel: string, where: string): JsonObject | undefined {
  const v = field(obj, camel);
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) throw new DownlinkParseError(`${where}.${camel} must be an object`);
  return v;
}

function intField(obj: JsonObject, camel: string, where: string, min: number, max: number): number {
  const v = field(obj, camel);
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new DownlinkParseError(`${where}.${camel} must be an integer in ${min}..${max}`);
  }
  return n;
}

function boolField(obj: JsonObject, camel: string, where: string): boolean {
  const v = field(obj, camel);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new DownlinkParseError(`${where}.${camel} must be true or false`);
  return v;
}

function bytesField(obj: JsonObject, camel: string, where: string): Buffer {
  const v = field(obj, camel);
  if (v === undefined || v === null) return Buffer.alloc(0);
  // Standard or URL-safe base64, padding optional, as the JSON mapping allows.
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw new DownlinkParseError(`${where}.${camel} must be base64`);
  }
  return Buffer.from(v, 'base64');
}

const UINT32_MAX = 0xffffffff;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function durationField(obj: JsonObject, camel: string, where: string): number {
  const v = field(obj, camel);
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v.trim());
    if (!m) throw new DownlinkParseError(`${where}.${camel} must be a duration such as "1s" or "1.5s"`);
    const ms = Number(m[2]) * 1000 + (m[3] ? Number(m[3].padEnd(9, '0')) / 1e6 : 0);
    return m[1] ? -ms : ms;
  }
  if (isJsonObject(v)) {
    // The toObject() shape some bridges emit: { seconds, nanos }.
    const seconds = intField(v, 'seconds', `${where}.${camel}`, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const nanos = intField(v, 'nanos', `${where}.${camel}`, -999_999_999, 999_999_999);
    return seconds * 1000 + nanos / 1e6;
  }
  throw new DownlinkParseError(`${where}.${camel} must be a duration such as "1s"`);
}

function codeRateField(obj: JsonObject, where: string): string | undefined {
  const v = field(obj, 'codeRate');
  const legacy = field(obj, 'codeRateLegacy');
  if (v === undefined || v === null || v === 0 || v === 'CR_UNDEFINED') {
    return typeof legacy === 'string' && legacy ? legacy : undefined;
  }
  const text = typeof v === 'number' ? CODE_RATE_TEXT[v] : typeof v === 'string' ? CODE_RATE_BY_ENUM_NAME[v] : undefined;
  if (!text) throw new DownlinkParseError(`${where}.codeRate ${quote(v)} is not a gw.CodeRate`);
  return text;
}

function downlinkFromJson(payload: Buffer): DownlinkFrameSpec {
  let root: unknown;
  try {
    root = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new DownlinkParseError(`invalid JSON (${(err as Error).message})`);
  }
  if (!isJsonObject(root)) throw new DownlinkParseError('JSON payload must be an object');
  const gatewayId = field(root, 'gatewayId');
  if (gatewayId !== undefined && gatewayId !== null && typeof gatewayId !== 'string') {
    throw new DownlinkParseError('gatewayId must be a string');
  }
  const items = field(root, 'items') ?? [];
  if (!Array.isArray(items)) throw new DownlinkParseError('items must be an array');
  return {
    gatewayId: gatewayId ?? '',
    downlinkId: intField(root, 'downlinkId', 'frame', 0, UINT32_MAX),
    items: items.map((item: unknown, i) => {
      const where = `items[${i}]`;
      if (!isJsonObject(item)) throw new DownlinkParseError(`${where} must be an object`);
      const txInfo = objectField(item, 'txInfo', where);
      const spec: DownlinkItemSpec = { phyPayload: bytesField(item, 'phyPayload', where) };
      if (txInfo) spec.txInfo = txInfoFromJson(txInfo, `${where}.txInfo`);
      return spec;
    }),
  };
}

function txInfoFromJson(tx: JsonObject, where: string): DownlinkTxInfoSpec {
  const spec: DownlinkTxInfoSpec = {
    frequency: intField(tx, 'frequency', where, 0, UINT32_MAX),
    power: intField(tx, 'power', where, INT32_MIN, INT32_MAX),
    board: intField(tx, 'board', where, 0, UINT32_MAX),
    antenna: intField(tx, 'antenna', where, 0, UINT32_MAX),
    context: bytesField(tx, 'context', where),
  };
  const modulation = objectField(tx, 'modulation', where);
  if (modulation) {
    const lora = objectField(modulation, 'lora', `${where}.modulation`);
    const fsk = objectField(modulation, 'fsk', `${where}.modulation`);
    if (lora) {
      const at = `${where}.modulation.lora`;
      spec.modulation = {
        kind: 'LORA',
        spreadingFactor: intField(lora, 'spreadingFactor', at, 0, UINT32_MAX),
        bandwidth: intField(lora, 'bandwidth', at, 0, UINT32_MAX),
        codeRate: codeRateField(lora, at),
        polarizationInversion: boolField(lora, 'polarizationInversion', at),
        preamble: intField(lora, 'preamble', at, 0, UINT32_MAX),
        noCrc: boolField(lora, 'noCrc', at),
      };
    } else if (fsk) {
      const at = `${where}.modulation.fsk`;
      spec.modulation = {
        kind: 'FSK',
        datarate: intField(fsk, 'datarate', at, 0, UINT32_MAX),
        frequencyDeviation: intField(fsk, 'frequencyDeviation', at, 0, UINT32_MAX),
      };
    } else if (objectField(modulation, 'lrFhss', `${where}.modulation`)) {
      spec.modulation = { kind: 'LR_FHSS' };
    }
  }
  const timing = objectField(tx, 'timing', where);
  if (timing) {
    const delay = objectField(timing, 'delay', `${where}.timing`);
    const gps = objectField(timing, 'gpsEpoch', `${where}.timing`);
    if (objectField(timing, 'immediately', `${where}.timing`)) spec.timing = { kind: 'immediately' };
    else if (delay) spec.timing = { kind: 'delay', delayMs: durationField(delay, 'delay', `${where}.timing.delay`) };
    else if (gps) {
      spec.timing = { kind: 'gps', gpsTimeMs: durationField(gps, 'timeSinceGpsEpoch', `${where}.timing.gpsEpoch`) };
    }
  }
  return spec;
}

function durationFromMs(ms: number): DurationMsg {
  const d = new durPb.Duration();
  const seconds = Math.floor(ms / 1000);
  d.setSeconds(seconds);
  d.setNanos(Math.round((ms - seconds * 1000) * 1e6));
  return d;
}

/** The gw.DownlinkFrame a network server would send (tests, simulators, tools). */
export function toDownlinkFrame(spec: DownlinkFrameSpec): DownlinkFrame {
  const msg = new gw.DownlinkFrame();
  msg.setGatewayId(spec.gatewayId);
  msg.setDownlinkId(spec.downlinkId >>> 0);
  for (const item of spec.items) {
    const out = new gw.DownlinkFrameItem();
    out.setPhyPayload(new Uint8Array(item.phyPayload));
    if (item.txInfo) out.setTxInfo(txInfoToProtobuf(item.txInfo));
    msg.addItems(out);
  }
  return msg;
}

function txInfoToProtobuf(spec: DownlinkTxInfoSpec): InstanceType<typeof gw.DownlinkTxInfo> {
  const tx = new gw.DownlinkTxInfo();
  tx.setFrequency(spec.frequency);
  tx.setPower(spec.power);
  tx.setBoard(spec.board);
  tx.setAntenna(spec.antenna);
  if (spec.context.length) tx.setContext(new Uint8Array(spec.context));
  const m = spec.modulation;
  if (m) {
    const modulation = new gw.Modulation();
    if (m.kind === 'LORA') {
      const lora = new gw.LoraModulationInfo();
      lora.setSpreadingFactor(m.spreadingFactor);
      lora.setBandwidth(m.bandwidth);
      if (m.codeRate !== undefined) {
        const cr = CODE_RATES[m.codeRate];
        if (cr !== undefined) lora.setCodeRate(cr);
      }
      lora.setPolarizationInversion(m.polarizationInversion);
      lora.setPreamble(m.preamble);
      lora.setNoCrc(m.noCrc);
      modulation.setLora(lora);
    } else if (m.kind === 'FSK') {
      const fsk = new gw.FskModulationInfo();
      fsk.setDatarate(m.datarate);
      fsk.setFrequencyDeviation(m.frequencyDeviation);
      modulation.setFsk(fsk);
    } else {
      modulation.setLrFhss(new gw.LrFhssModulationInfo());
    }
    tx.setModulation(modulation);
  }
  const t = spec.timing;
  if (t) {
    const timing = new gw.Timing();
    if (t.kind === 'immediately') timing.setImmediately(new gw.ImmediatelyTimingInfo());
    else if (t.kind === 'delay') {
      const delay = new gw.DelayTimingInfo();
      delay.setDelay(durationFromMs(t.delayMs));
      timing.setDelay(delay);
    } else {
      const gps = new gw.GPSEpochTimingInfo();
      gps.setTimeSinceGpsEpoch(durationFromMs(t.gpsTimeMs));
      timing.setGpsEpoch(gps);
    }
    tx.setTiming(timing);
  }
  return tx;
}

export interface TxAckInput {
  gatewayId: string;
  downlinkId: number;
  /** One per DownlinkFrame item, in the frame's order. */
  statuses: readonly TxStatus[];
}

/** gw.DownlinkTxAck for `event/ack`; marshal() it with the configured marshaler. */
export function toDownlinkTxAck(input: TxAckInput): DownlinkTxAck {
  const msg = new gw.DownlinkTxAck();
  msg.setGatewayId(input.gatewayId);
  msg.setDownlinkId(input.downlinkId >>> 0);
  for (const status of input.statuses) {
    const item = new gw.DownlinkTxAckItem();
    item.setStatus(gw.TxAckStatus[status] ?? gw.TxAckStatus.INTERNAL_ERROR);
    msg.addItems(item);
  }
  return msg;
}

