// Physical sanity of the radio metadata a source reports. A frame whose frequency lies outside the
// source's band, whose RSSI or SNR no receiver can measure, or whose timestamps are absurd is
// refused with a named reason instead of being passed on (1e308 MHz would reach the hub as
// `frequency: null` and make a strict hub reject the whole batch).
import type { RadioFrame } from './radio-frame.js';

/** Where a source may hear frames. */
export type RadioBand = 'eu868' | 'ism2400';

export const RADIO_BANDS: Readonly<Record<RadioBand, { low: number; high: number; label: string }>> = {
  // The EU863-870 region (src/lorawan/region-eu868.ts); channel centres lie inside it.
  eu868: { low: 863_000_000, high: 870_000_000, label: '863-870 MHz (EU868)' },
  // SX1280 ISM band as the 2.4 GHz HAL accepts it.
  ism2400: { low: 2_400_000_000, high: 2_500_000_000, label: '2400-2500 MHz (ISM 2.4 GHz)' },
};

export type ImplausibleReason = 'frequency' | 'rssi' | 'snr' | 'modulation' | 'counter' | 'gps_time' | 'gw_time';
export const IMPLAUSIBLE_REASONS: readonly ImplausibleReason[] = ['frequency', 'rssi', 'snr', 'modulation', 'counter', 'gps_time', 'gw_time'];

/** Counter key a source uses per reason; metrics read these by prefix. */
export const IMPLAUSIBLE_COUNTER_PREFIX = 'implausible_';

/** Thermal noise floor is near -174 dBm/Hz; no receiver reports below -200 dBm, nor above +20 dBm at its input. */
export const RSSI_RANGE = { min: -200, max: 20 } as const;
/** LoRa demodulates down to about -20 dB; chips report within ±32 dB. */
export const SNR_RANGE = { min: -50, max: 50 } as const;
const U32_MAX = 0xffff_ffff;
/**
 * Gateway time stamps outside 2000..2100 are junk (a clock never set reads 1970 or 1980). The
 * bounds are fixed, not relative to the host clock: a Pi without RTC may boot with an old clock
 * while its GPS-backed concentrator is right.
 */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);
/** GPS epoch 1980-01-06 in Unix ms, and GPS - UTC (18 s since 2017); a few seconds' slack is irrelevant here. */
const GPS_EPOCH_UNIX_MS = Date.UTC(1980, 0, 6);
const GPS_LEAP_MS = 18_000;
/** ISO 8601 with optional fraction and zone, as forwarders write it (2026-12-06T11:00:00.123456Z). */
const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;

export interface Implausible {
  reason: ImplausibleReason;
  detail: string;
}

const bad = (reason: ImplausibleReason, detail: string): Implausible => ({ reason, detail });

/** Which bands the frame may come from. undefined = plausible. */
export function checkRadioFrame(frame: RadioFrame, bands: readonly RadioBand[]): Implausible | undefined {
  const f = frame.frequency;
  if (!Number.isSafeInteger(f) || !inBands(f, bands)) {
    return bad('frequency', `frequency ${f} Hz is outside ${bands.map((b) => RADIO_BANDS[b].label).join(' and ')}`);
  }
  if (!inRange(frame.rssi, RSSI_RANGE.min, RSSI_RANGE.max)) {
    return bad('rssi', `RSSI ${frame.rssi} dBm is outside ${RSSI_RANGE.min}..${RSSI_RANGE.max}`);
  }
  if (frame.snr !== undefined && !inRange(frame.snr, SNR_RANGE.min, SNR_RANGE.max)) {
    return bad('snr', `SNR ${frame.snr} dB is outside ${SNR_RANGE.min}..${SNR_RANGE.max}`);
  }
  const modulation = checkModulation(frame);
  if (modulation) return bad('modulation', modulation);
  if (frame.counterUs !== undefined && !(Number.isInteger(frame.counterUs) && frame.counterUs >= 0 && frame.counterUs <= U32_MAX)) {
    return bad('counter', `concentrator counter ${frame.counterUs} is not a u32`);
  }
  if (frame.gpsTimeMs !== undefined) {
    const unixMs = frame.gpsTimeMs + GPS_EPOCH_UNIX_MS - GPS_LEAP_MS;
    if (!Number.isSafeInteger(frame.gpsTimeMs) || unixMs < EARLIEST_MS || unixMs >= LATEST_MS) {
      return bad('gps_time', `GPS time ${frame.gpsTimeMs} ms is not between 2000 and 2100`);
    }
  }
  if (frame.gwTime !== undefined) {
    const t = typeof frame.gwTime === 'string' && ISO_TIME_RE.test(frame.gwTime) ? Date.parse(frame.gwTime) : Number.NaN;
    if (!(t >= EARLIEST_MS && t < LATEST_MS)) {
      return bad('gw_time', `gateway time ${String(frame.gwTime).slice(0, 40)} is not an ISO 8601 time between 2000 and 2100`);
    }
  }
  return undefined;
}

/** A loop rather than bands.some(): no closure for every frame, which each source and the pipeline check. */
function inBands(frequency: number, bands: readonly RadioBand[]): boolean {
  for (const band of bands) if (frequency >= RADIO_BANDS[band].low && frequency <= RADIO_BANDS[band].high) return true;
  return false;
}

function inRange(v: number | undefined, min: number, max: number): boolean {
  return typeof v === 'number' && v >= min && v <= max;
}

function checkModulation(frame: RadioFrame): string | undefined {
  const { spreadingFactor: sf, bandwidth: bw, fskDatarate: rate } = frame;
  if (sf !== undefined && !(Number.isInteger(sf) && sf >= 5 && sf <= 12)) return `spreading factor ${sf} is not 5..12`;
  if (bw !== undefined && !(Number.isInteger(bw) && bw > 0 && bw <= 1_625_000)) return `bandwidth ${bw} Hz is not 1..1625000`;
  if (rate !== undefined && !(Number.isInteger(rate) && rate > 0 && rate <= 300_000)) return `FSK bit rate ${rate} is not 1..300000`;
  return checkByte('channel', frame.channel) ?? checkByte('rf chain', frame.rfChain);
}

function checkByte(name: string, v: number | undefined): string | undefined {
  return v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 255) ? `${name} ${v} is not 0..255` : undefined;
}
