// gw.DownlinkFrame in the protobuf JSON mapping (ChirpStack's `json` marshaler) decoded into a
// DownlinkFrameSpec, every field checked with its path in the reason.
import { quote } from '../../bounded-text.js';
import { CODE_RATE_BY_ENUM_NAME, CODE_RATE_TEXT, DownlinkParseError, type DownlinkFrameSpec, type DownlinkItemSpec, type DownlinkTxInfoSpec } from './downlink-spec.js';

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

export function downlinkFromJson(payload: Buffer): DownlinkFrameSpec {
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
