// Our own protobuf encoder for the live `event/up` gw.UplinkFrame: only the fields toUplinkFrame sets,
// written straight into one scratch buffer. google-protobuf builds a message object graph per frame
// and a writer per serialisation, which showed in the live path's CPU profile (and its garbage).
// The bytes are the library's, field for field and in its order (checked by a seeded property test
// that decodes ours with @chirpstack/chirpstack-api); the library still decodes command/down.
// Strings go through Buffer's UTF-8 (a lone surrogate becomes U+FFFD): the test covers well-formed
// text, which is all a source id, gateway id or code rate can be. Out-of-range integers are cut to
// uint32 here where the library would throw; the radio plausibility checks keep them out anyway.
import type { RadioFrame } from '../../radio/radio-frame.js';
import { CODE_RATES, CRC_STATUS } from './enums.js';
import { sameModulation, type ModulationFields } from './radio-tally.js';
import type { UplinkMapOptions } from './uplink.js';
import { msOfIso, utcFractionNanos } from '../../clock/iso-time.js';

// Wire types: 0 varint, 2 length-delimited, 5 fixed32.
const VARINT = 0;
const LEN = 2;
const FIXED32 = 5;

/** Grows on demand (a frame with a 255-byte payload and context needs well under 1 KiB). */
let scratch = Buffer.allocUnsafe(2048);
let pos = 0;

function ensure(extra: number): void {
  if (pos + extra <= scratch.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, pos + extra + 64));
  scratch.copy(bigger, 0, 0, pos);
  scratch = bigger;
}

function varint(n: number): void {
  ensure(10);
  while (n >= 0x80) {
    scratch[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  scratch[pos++] = n;
}

/** A signed integer as protobuf's int32/int64 varint: negatives take ten bytes (two's complement). */
function signedVarint(n: number): void {
  if (n >= 0) {
    varint(n);
    return;
  }
  let hi = Math.floor(n / 0x100000000) >>> 0;
  let lo = (n - Math.floor(n / 0x100000000) * 0x100000000) >>> 0;
  ensure(10);
  for (let i = 0; i < 9; i++) {
    scratch[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  scratch[pos++] = lo & 0x01;
}

/**
 * A float's 32 bits as google-protobuf computes them (jspb.utils.splitFloat32: exponent from a
 * logarithm, mantissa rounded half up), not as IEEE rounding (writeFloatLE) would: the two differ in
 * the last bit for some values, and ours must be the library's bytes.
 */
function float32Bits(value: number): number {
  const sign = value < 0 ? 1 : 0;
  let a = sign ? -value : value;
  if (a === 0) return 1 / a > 0 ? 0 : 0x80000000;
  if (Number.isNaN(a)) return 0x7fffffff;
  if (a > 3.4028234663852886e38) return ((sign << 31) | 0x7f800000) >>> 0;
  if (a < 1.1754943508222875e-38) return ((sign << 31) | Math.round(a / Math.pow(2, -149))) >>> 0;
  let exponent = Math.floor(Math.log(a) / Math.LN2);
  a *= Math.pow(2, -exponent);
  a = Math.round(8388608 * a);
  if (a >= 16777216) ++exponent;
  return ((sign << 31) | ((exponent + 127) << 23) | (a & 8388607)) >>> 0;
}

function tag(field: number, wireType: number): void {
  varint(field * 8 + wireType);
}

function bytesField(field: number, b: Uint8Array): void {
  tag(field, LEN);
  varint(b.length);
  ensure(b.length);
  scratch.set(b, pos);
  pos += b.length;
}

function stringField(field: number, s: string): void {
  tag(field, LEN);
  const max = s.length * 3;
  ensure(max + 5);
  if (s.length < 0x80 && max < 0x80) {
    // Short strings (ids, code rates): the one-byte length is written after the text.
    const at = pos++;
    const n = scratch.write(s, pos, 'utf8');
    scratch[at] = n;
    pos += n;
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  varint(n);
  pos += scratch.write(s, pos, 'utf8');
}

/** rx_info.context (13): the source's context, behind its index byte when given (as wrapContext). */
function contextField(context: Buffer, sourceIndex: number | undefined): void {
  if (sourceIndex === undefined) {
    if (context.length > 0) bytesField(13, context);
    return;
  }
  tag(13, LEN);
  varint(context.length + 1);
  ensure(context.length + 1);
  scratch[pos++] = sourceIndex & 0xff;
  scratch.set(context, pos);
  pos += context.length;
}

/** Opens a length-delimited sub-message; close() writes its length in front of it. */
function open(field: number): number {
  tag(field, LEN);
  ensure(1);
  return pos++;
}

function close(at: number): void {
  const len = pos - at - 1;
  if (len < 0x80) {
    scratch[at] = len;
    return;
  }
  let size = 1;
  for (let v = len; v >= 0x80; v = Math.floor(v / 0x80)) size += 1;
  ensure(size - 1);
  scratch.copyWithin(at + size, at + 1, pos);
  pos = at;
  varint(len);
  pos += len;
}

function uint32Field(field: number, v: number | undefined): void {
  if (v === undefined) return;
  const n = v >>> 0;
  if (n === 0) return;
  tag(field, VARINT);
  varint(n);
}

/** google.protobuf.Timestamp or Duration: seconds (int64) 1, nanos (int32) 2. */
function secondsNanos(field: number, seconds: number, nanos: number): void {
  const at = open(field);
  if (seconds !== 0) {
    tag(1, VARINT);
    signedVarint(seconds);
  }
  if (nanos !== 0) {
    tag(2, VARINT);
    signedVarint(nanos);
  }
  close(at);
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** As timestampFromIso (microseconds kept); nothing written for a time that does not parse. */
function isoTimestamp(field: number, iso: string): void {
  // The usual rxpk `time` (UTC, `Z`) without the regular expression; Date's answer decides validity.
  const nanos = utcFractionNanos(iso);
  const ms = nanos >= 0 ? msOfIso(iso) : Number.NaN;
  if (Number.isFinite(ms)) return secondsNanos(field, Math.floor(ms / 1000), nanos);
  const m = ISO.exec(iso.trim());
  if (!m) return;
  const secondsMs = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (!Number.isFinite(secondsMs)) return;
  secondsNanos(field, Math.floor(secondsMs / 1000), m[2] ? Number(m[2].padEnd(9, '0')) : 0);
}

/**
 * The tx_info field (4) of frames heard on the same channel and data rate never changes: kept
 * encoded, per frequency, each entry with the modulation it was built for (no string key per frame).
 */
const txInfoBytes = new Map<number, Array<{ modulation: ModulationFields; bytes: Buffer }>>();
let txInfoEntries = 0;

function cachedTxInfo(frame: RadioFrame): Buffer | undefined {
  const entries = txInfoBytes.get(frame.frequency);
  if (entries) for (const entry of entries) if (sameModulation(entry.modulation, frame)) return entry.bytes;
  return undefined;
}

function txInfo(frame: RadioFrame): void {
  let cached = cachedTxInfo(frame);
  if (!cached) {
    const start = pos;
    const tx = open(4);
    uint32Field(1, frame.frequency);
    const modulation = open(2);
    if (frame.modulation === 'LORA') {
      const lora = open(3);
      uint32Field(1, frame.bandwidth);
      uint32Field(2, frame.spreadingFactor);
      if (frame.codeRate !== undefined) {
        if (frame.codeRate.length > 0) stringField(3, frame.codeRate);
        const cr = CODE_RATES[frame.codeRate.replace(/\s/g, '')];
        if (cr !== undefined && cr !== 0) {
          tag(5, VARINT);
          signedVarint(cr);
        }
      }
      close(lora);
    } else {
      const fsk = open(4);
      uint32Field(2, frame.fskDatarate);
      close(fsk);
    }
    close(modulation);
    close(tx);
    cached = Buffer.from(scratch.subarray(start, pos));
    if (txInfoEntries >= 256) {
      txInfoBytes.clear();
      txInfoEntries = 0;
    }
    const { modulation: m, spreadingFactor, bandwidth, codeRate, fskDatarate } = frame;
    const entry = { modulation: { modulation: m, spreadingFactor, bandwidth, codeRate, fskDatarate }, bytes: cached };
    const entries = txInfoBytes.get(frame.frequency);
    if (entries) entries.push(entry);
    else txInfoBytes.set(frame.frequency, [entry]);
    txInfoEntries += 1;
    return;
  }
  ensure(cached.length);
  scratch.set(cached, pos);
  pos += cached.length;
}

/** The frame as the serialized gw.UplinkFrame toUplinkFrame(frame, opts).serializeBinary() gives. */
export function encodeUplinkFrame(frame: RadioFrame, opts: UplinkMapOptions): Buffer {
  pos = 0;
  if (frame.payload.length > 0) bytesField(1, frame.payload);
  txInfo(frame);
  const rx = open(5);
  if (opts.gatewayId.length > 0) stringField(1, opts.gatewayId);
  uint32Field(2, opts.uplinkId);
  if (frame.gwTime) isoTimestamp(3, frame.gwTime);
  if (frame.gpsTimeMs !== undefined) {
    secondsNanos(4, Math.floor(frame.gpsTimeMs / 1000), Math.round((frame.gpsTimeMs % 1000) * 1e6));
  }
  const rssi = Math.round(frame.rssi);
  if (rssi !== 0) {
    tag(6, VARINT);
    signedVarint(rssi | 0);
  }
  if (frame.snr !== undefined && frame.snr !== 0) {
    tag(7, FIXED32);
    ensure(4);
    pos = scratch.writeUInt32LE(float32Bits(frame.snr), pos);
  }
  uint32Field(8, frame.channel);
  uint32Field(9, frame.rfChain);
  if (frame.context) contextField(frame.context, opts.sourceIndex);
  // metadata map<string, string> (15): one entry, key 1 and value 2 (written even when empty).
  const entry = open(15);
  stringField(1, 'source');
  stringField(2, frame.source);
  close(entry);
  const crc = CRC_STATUS[frame.crc];
  if (crc !== 0) {
    tag(16, VARINT);
    signedVarint(crc);
  }
  close(rx);
  const out = Buffer.allocUnsafe(pos);
  scratch.copy(out, 0, 0, pos);
  return out;
}
