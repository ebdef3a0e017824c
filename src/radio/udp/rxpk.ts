// One `rxpk` entry of PUSH_DATA -> RadioFrame. No I/O.
//
// RSSI: `rssi` is the channel RSSI every forwarder sends; it is what ChirpStack reports as well, so
// it wins when present. Forwarders that omit it are covered by falling back to `rssis` (signal RSSI,
// SX1302) and then to the best `rsig[].rssic` (multi-antenna gateways, which also carry `lsnr` there).

import type { CrcStatus, RadioFrame } from '../radio-frame.js';
import { parseLoraDatr } from './datr.js';
import { describeJsonType, isPlainObject } from './gwmp.js';
import { quote } from '../../bounded-text.js';
import { msOfIso } from '../../clock/iso-time.js';

export type RxpkFailureReason = 'missing_field' | 'bad_base64' | 'size_mismatch' | 'bad_datr' | 'bad_field';
export const RXPK_FAILURE_REASONS: readonly RxpkFailureReason[] = [
  'missing_field',
  'bad_base64',
  'size_mismatch',
  'bad_datr',
  'bad_field',
];

export type RxpkResult =
  | { ok: true; frame: RadioFrame }
  | { ok: false; reason: RxpkFailureReason; detail: string };

class RxpkProblem extends Error {
  constructor(
    readonly reason: RxpkFailureReason,
    detail: string,
  ) {
    super(detail);
  }
}

const CRC_BY_STAT: ReadonlyMap<unknown, CrcStatus> = new Map<unknown, CrcStatus>([
  [1, 'ok'],
  [-1, 'bad'],
  [0, 'none'],
]);

const U32_MAX = 0xffff_ffff;
/** Base64, standard or URL-safe alphabet, padding optional (the protocol examples omit it). */
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function rxpkToRadioFrame(rxpk: unknown, source: string, receivedAt: number): RxpkResult {
  if (!isPlainObject(rxpk)) {
    return { ok: false, reason: 'bad_field', detail: `rxpk entry is ${describeJsonType(rxpk)}, expected an object` };
  }
  try {
    return { ok: true, frame: buildFrame(rxpk, source, receivedAt) };
  } catch (err) {
    if (err instanceof RxpkProblem) return { ok: false, reason: err.reason, detail: err.message };
    throw err;
  }
}

function buildFrame(rxpk: Record<string, unknown>, source: string, receivedAt: number): RadioFrame {
  const freqMHz = requireNumber(rxpk, 'freq');
  if (freqMHz <= 0) throw new RxpkProblem('bad_field', `freq must be positive MHz, got ${freqMHz}`);

  const crc = CRC_BY_STAT.get(requireField(rxpk, 'stat'));
  if (crc === undefined) throw new RxpkProblem('bad_field', `stat must be 1, -1 or 0, got ${quote(rxpk.stat)}`);

  const payload = decodeData(rxpk);

  const frame: RadioFrame = {
    source,
    receivedAt,
    frequency: Math.round(freqMHz * 1e6),
    modulation: 'LORA',
    crc,
    rssi: pickRssi(rxpk),
    payload,
  };

  const modu = requireField(rxpk, 'modu');
  const datr = requireField(rxpk, 'datr');
  if (modu === 'LORA') {
    if (typeof datr !== 'string') throw new RxpkProblem('bad_datr', `LoRa datr must be a string like "SF7BW125", got ${quote(datr)}`);
    const rate = parseLoraDatr(datr);
    if (!rate) throw new RxpkProblem('bad_datr', `unrecognised LoRa datr ${quote(datr)}`);
    frame.spreadingFactor = rate.spreadingFactor;
    frame.bandwidth = rate.bandwidth;
    const codr = optionalString(rxpk, 'codr');
    if (codr !== undefined) frame.codeRate = codr;
    const snr = optionalNumber(rxpk, 'lsnr') ?? bestRsig(rxpk)?.lsnr;
    if (snr !== undefined) frame.snr = snr;
  } else if (modu === 'FSK') {
    frame.modulation = 'FSK';
    if (typeof datr !== 'number' || !Number.isInteger(datr) || datr <= 0) {
      throw new RxpkProblem('bad_datr', `FSK datr must be a positive integer bit rate, got ${quote(datr)}`);
    }
    frame.fskDatarate = datr;
  } else {
    throw new RxpkProblem('bad_field', `modu must be "LORA" or "FSK", got ${quote(modu)}`);
  }

  const tmst = optionalInteger(rxpk, 'tmst', 0, U32_MAX);
  if (tmst !== undefined) {
    frame.counterUs = tmst;
    // What ChirpStack's bridge stores as the uplink context: downlinks echo it to derive tmst.
    const context = Buffer.alloc(4);
    context.writeUInt32BE(tmst);
    frame.context = context;
  }
  const tmms = optionalInteger(rxpk, 'tmms', 0, Number.MAX_SAFE_INTEGER);
  if (tmms !== undefined) frame.gpsTimeMs = tmms;
  const time = optionalString(rxpk, 'time');
  if (time !== undefined) {
    if (Number.isNaN(msOfIso(time))) throw new RxpkProblem('bad_field', `time is not an ISO 8601 date: ${quote(time)}`);
    frame.gwTime = time;
  }
  const chan = optionalInteger(rxpk, 'chan', 0, 255);
  if (chan !== undefined) frame.channel = chan;
  const rfch = optionalInteger(rxpk, 'rfch', 0, 255);
  if (rfch !== undefined) frame.rfChain = rfch;
  return frame;
}

function requireField(rxpk: Record<string, unknown>, field: string): unknown {
  const v = rxpk[field];
  if (v === undefined || v === null) throw new RxpkProblem('missing_field', `rxpk has no "${field}"`);
  return v;
}

function requireNumber(rxpk: Record<string, unknown>, field: string): number {
  const v = requireField(rxpk, field);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RxpkProblem('bad_field', `${field} must be a number, got ${quote(v)}`);
  }
  return v;
}

function optionalNumber(rxpk: Record<string, unknown>, field: string): number | undefined {
  return rxpk[field] === undefined ? undefined : requireNumber(rxpk, field);
}

function optionalInteger(rxpk: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const v = optionalNumber(rxpk, field);
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
    throw new RxpkProblem('bad_field', `${field} must be an integer ${min}..${max}, got ${v}`);
  }
  return v;
}

function optionalString(rxpk: Record<string, unknown>, field: string): string | undefined {
  const v = rxpk[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new RxpkProblem('bad_field', `${field} must be a string, got ${quote(v)}`);
  return v;
}

function decodeData(rxpk: Record<string, unknown>): Buffer {
  const data = requireField(rxpk, 'data');
  if (typeof data !== 'string') throw new RxpkProblem('bad_base64', `data must be a base64 string, got ${describeJsonType(data)}`);
  const padded = data.includes('=');
  if (!BASE64_RE.test(data) || data.length % 4 === 1 || (padded && data.length % 4 !== 0)) {
    throw new RxpkProblem('bad_base64', `data is not valid base64 (${data.length} chars)`);
  }
  const payload = Buffer.from(data, 'base64');
  const size = optionalInteger(rxpk, 'size', 0, 0xffff);
  if (size !== undefined && size !== payload.length) {
    throw new RxpkProblem('size_mismatch', `size says ${size} bytes but data decodes to ${payload.length}`);
  }
  return payload;
}

interface RsigEntry {
  rssic: number;
  lsnr?: number;
}

function bestRsig(rxpk: Record<string, unknown>): RsigEntry | undefined {
  if (!Array.isArray(rxpk.rsig)) return undefined;
  let best: RsigEntry | undefined;
  for (const entry of rxpk.rsig as unknown[]) {
    if (!isPlainObject(entry) || typeof entry.rssic !== 'number' || !Number.isFinite(entry.rssic)) continue;
    if (best && best.rssic >= entry.rssic) continue;
    best = { rssic: entry.rssic };
    if (typeof entry.lsnr === 'number' && Number.isFinite(entry.lsnr)) best.lsnr = entry.lsnr;
  }
  return best;
}

function pickRssi(rxpk: Record<string, unknown>): number {
  const rssi = optionalNumber(rxpk, 'rssi') ?? optionalNumber(rxpk, 'rssis') ?? bestRsig(rxpk)?.rssic;
  if (rssi === undefined) throw new RxpkProblem('missing_field', 'rxpk has no "rssi" (nor "rssis" or "rsig")');
  return rssi;
}
