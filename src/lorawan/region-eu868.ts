// EU863-870 regional parameters in one place (LoRaWAN Regional Parameters RP002-1.0.x, section EU863-870)
// plus the ETSI EN 300 220 / ERC REC 70-03 sub-band rules the gateway must obey when it transmits.
// Pure: no I/O; the duty-cycle ledger takes an injectable clock.
import { LoRaWANError } from './errors.js';

export const EU868 = {
  rx1DelayMs: 1000,
  rx2DelayMs: 2000,
  joinAcceptDelay1Ms: 5000,
  joinAcceptDelay2Ms: 6000,
  defaultRx2Frequency: 869525000,
  defaultRx2DataRate: 0,
  /** RP002 default MaxEIRP for EU868 is 16 dBm; 14 dBm is the conservative default the gateway uses. */
  defaultTxPowerDbm: 14,
} as const;

export interface LoraDataRate {
  dataRate: number;
  spreadingFactor: number;
  bandwidth: number;
}

/** DR0..DR6 are LoRa; DR7 is FSK 50 kbit/s (see FSK_DATA_RATE). */
const LORA_DATA_RATES: readonly LoraDataRate[] = [
  { dataRate: 0, spreadingFactor: 12, bandwidth: 125000 },
  { dataRate: 1, spreadingFactor: 11, bandwidth: 125000 },
  { dataRate: 2, spreadingFactor: 10, bandwidth: 125000 },
  { dataRate: 3, spreadingFactor: 9, bandwidth: 125000 },
  { dataRate: 4, spreadingFactor: 8, bandwidth: 125000 },
  { dataRate: 5, spreadingFactor: 7, bandwidth: 125000 },
  { dataRate: 6, spreadingFactor: 7, bandwidth: 250000 },
];

export const FSK_DATA_RATE = { dataRate: 7, bitrate: 50000 } as const;

/** Highest data rate index a device may use for an uplink (DR8..DR11 LR-FHSS are not supported here). */
const MAX_UPLINK_DATA_RATE = 7;

/** Data rate index of a LoRa SF/bandwidth pair, or undefined when EU868 has no such data rate. */
export function dataRateOf(spreadingFactor: number, bandwidth: number): number | undefined {
  return LORA_DATA_RATES.find((r) => r.spreadingFactor === spreadingFactor && r.bandwidth === bandwidth)?.dataRate;
}

/** LoRa parameters of DR0..DR6; undefined for DR7 (FSK) and anything else. */
export function dataRateParams(dr: number): LoraDataRate | undefined {
  const found = LORA_DATA_RATES.find((r) => r.dataRate === dr);
  return found ? { ...found } : undefined;
}

/**
 * RX1 in EU868 uses the uplink's channel and DR = max(0, uplinkDR - RX1DROffset), offsets 0..5
 * (RP002 table "EU863-870 downlink RX1 data rate mapping").
 */
export function rx1Params(
  uplinkFrequency: number,
  uplinkDataRate: number,
  rx1DrOffset: number,
): { frequency: number; dataRate: number } {
  if (!Number.isInteger(uplinkDataRate) || uplinkDataRate < 0 || uplinkDataRate > MAX_UPLINK_DATA_RATE) {
    throw new LoRaWANError('bad_field', `uplink data rate ${uplinkDataRate} is not an EU868 DR0..DR7`);
  }
  if (!Number.isInteger(rx1DrOffset) || rx1DrOffset < 0 || rx1DrOffset > 5) {
    throw new LoRaWANError('bad_field', `RX1 data rate offset ${rx1DrOffset} is outside 0..5`);
  }
  if (!Number.isFinite(uplinkFrequency) || uplinkFrequency <= 0) {
    throw new LoRaWANError('bad_field', `uplink frequency ${uplinkFrequency} is not a frequency in Hz`);
  }
  return { frequency: uplinkFrequency, dataRate: Math.max(0, uplinkDataRate - rx1DrOffset) };
}

/**
 * RP002 EU863-870 maximum payload size, the table for networks without a repeater: M = max
 * MACPayload, N = M - 8 = max FRMPayload when FOpts is empty (7-byte FHDR + 1-byte FPort).
 * (The repeater-compatible table caps DR4..DR7 at M = 230.)
 */
const MAX_MAC_PAYLOAD: readonly number[] = [59, 59, 59, 123, 250, 250, 250, 250];

/** M: the largest MACPayload (FHDR + FPort + FRMPayload) allowed at this data rate. */
export function maxMacPayload(dataRate: number): number {
  const m = MAX_MAC_PAYLOAD[dataRate];
  if (m === undefined) throw new LoRaWANError('bad_field', `data rate ${dataRate} is not an EU868 DR0..DR7`);
  return m;
}

/** N: the largest FRMPayload (application bytes) at this data rate when no FOpts are sent. */
export function maxFrmPayload(dataRate: number): number {
  return maxMacPayload(dataRate) - 8;
}

/** One ETSI sub-band: where it is, how much of each hour a transmitter may use it, how loud. */
export interface SubBand {
  name: string;
  /** Hz, inclusive. */
  low: number;
  /** Hz, exclusive. */
  high: number;
  /** Duty cycle as a fraction (0.01 = 1%). */
  limit: number;
  maxEirpDbm: number;
}

/**
 * ERC REC 70-03 Annex 1 (non-specific SRD) bands h1.3..h1.7 / EN 300 220 bands g..g4. ERP limits are
 * converted to EIRP by +2.15 dB and rounded down: 25 mW ERP = 14 dBm ERP ~ 16 dBm EIRP (also RP002's
 * default MaxEIRP). For g3 (500 mW ERP = 27 dBm ERP, ~29 dBm EIRP) we allow only 27 dBm EIRP, the
 * common gateway ceiling, to keep a margin. The gaps (868.6-868.7, 869.2-869.4, 869.65-869.7) are
 * reserved for alarms and social alarms, so nothing is allowed there.
 */
export const EU868_SUB_BANDS: readonly SubBand[] = [
  { name: 'g (863.0-865.0)', low: 863_000_000, high: 865_000_000, limit: 0.001, maxEirpDbm: 16 },
  { name: 'g (865.0-868.0)', low: 865_000_000, high: 868_000_000, limit: 0.01, maxEirpDbm: 16 },
  { name: 'g1', low: 868_000_000, high: 868_600_000, limit: 0.01, maxEirpDbm: 16 },
  { name: 'g2', low: 868_700_000, high: 869_200_000, limit: 0.001, maxEirpDbm: 16 },
  { name: 'g3', low: 869_400_000, high: 869_650_000, limit: 0.1, maxEirpDbm: 27 },
  { name: 'g4', low: 869_700_000, high: 870_000_000, limit: 0.01, maxEirpDbm: 16 },
];

/** The sub-band a carrier (centre) frequency falls in, or undefined when we may not transmit there. */
export function subBandAt(frequency: number): SubBand | undefined {
  return EU868_SUB_BANDS.find((b) => frequency >= b.low && frequency < b.high);
}

/** FSK frequency deviation LoRaWAN uses for DR7 (RP002: 25 kHz). */
export const FSK_DEVIATION_HZ = 25_000;

/**
 * Half the bandwidth a transmission occupies around its centre, Hz. LoRa: half the channel
 * bandwidth. FSK: Carson's rule, deviation + bit rate / 2 (DR7: 25 + 25 = 50 kHz).
 */
export function channelHalfWidth(
  channel: { modulation: 'LORA' | 'FSK'; bandwidth?: number; fskDatarate?: number },
): number | undefined {
  if (channel.modulation === 'LORA') {
    return channel.bandwidth !== undefined && Number.isFinite(channel.bandwidth) && channel.bandwidth > 0 ? channel.bandwidth / 2 : undefined;
  }
  const rate = channel.fskDatarate;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? FSK_DEVIATION_HZ + rate / 2 : undefined;
}

/**
 * The sub-band that holds the whole channel, centre ± halfWidth (edges inclusive); undefined when
 * it spills over a sub-band edge. A 125 kHz channel at 868.59 MHz reaches 868.6525 MHz, into the
 * alarm gap after g1, so it may not be used even though its centre lies in g1.
 */
export function subBandOfChannel(frequency: number, halfWidth: number): SubBand | undefined {
  if (!Number.isFinite(frequency) || !Number.isFinite(halfWidth) || halfWidth < 0) return undefined;
  return EU868_SUB_BANDS.find((b) => frequency - halfWidth >= b.low && frequency + halfWidth <= b.high);
}

/** lora_pkt_fwd and the Semtech HALs send 8 preamble symbols when none is given and pad shorter ones to 6. */
export const LORA_STD_PREAMBLE = 8;
export const LORA_MIN_PREAMBLE = 6;

/** The preamble a Semtech forwarder really transmits for a requested one (0 or absent: the standard 8). */
export function transmittedLoraPreamble(requested: number | undefined): number {
  if (requested === undefined || requested === 0) return LORA_STD_PREAMBLE;
  return Math.max(LORA_MIN_PREAMBLE, requested);
}

/** Legal EIRP limit at this frequency; -Infinity when the frequency is outside every usable sub-band. */
export function maxEirpDbm(frequency: number): number {
  return subBandAt(frequency)?.maxEirpDbm ?? Number.NEGATIVE_INFINITY;
}

const CODE_RATE_INDEX: Record<string, number> = { '4/5': 1, '4/6': 2, '4/7': 3, '4/8': 4 };

/**
 * LoRa time on air in ms (Semtech AN1200.13 / SX1276 datasheet 4.1.1.7):
 *   Tsym = 2^SF / BW, Tpreamble = (preamble + 4.25) Tsym,
 *   payloadSymbols = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH) / (4 (SF - 2 DE))) (CR + 4), 0).
 * Low data-rate optimisation (DE) is on when Tsym >= 16 ms, i.e. SF11 and SF12 at 125 kHz.
 * LoRaWAN uplinks carry a payload CRC, downlinks do not: pass crc=false for a downlink.
 */
export function airtimeMs(
  phyPayloadLength: number,
  spreadingFactor: number,
  bandwidth: number,
  codeRate = '4/5',
  preamble = 8,
  explicitHeader = true,
  crc = true,
): number {
  if (!Number.isInteger(phyPayloadLength) || phyPayloadLength < 0 || phyPayloadLength > 255) {
    throw new LoRaWANError('bad_field', `payload length ${phyPayloadLength} is outside 0..255`);
  }
  if (!Number.isInteger(spreadingFactor) || spreadingFactor < 5 || spreadingFactor > 12) {
    throw new LoRaWANError('bad_field', `spreading factor ${spreadingFactor} is outside 5..12`);
  }
  if (!Number.isFinite(bandwidth) || bandwidth <= 0) {
    throw new LoRaWANError('bad_field', `bandwidth ${bandwidth} is not a bandwidth in Hz`);
  }
  const cr = CODE_RATE_INDEX[codeRate];
  if (cr === undefined) throw new LoRaWANError('bad_field', `code rate ${codeRate} is not one of 4/5..4/8`);
  const symbolMs = (2 ** spreadingFactor / bandwidth) * 1000;
  const lowDataRate = symbolMs >= 16 ? 1 : 0;
  const numerator = 8 * phyPayloadLength - 4 * spreadingFactor + 28 + (crc ? 16 : 0) - (explicitHeader ? 0 : 20);
  const denominator = 4 * (spreadingFactor - 2 * lowDataRate);
  const payloadSymbols = 8 + Math.max(Math.ceil(numerator / denominator) * (cr + 4), 0);
  return (preamble + 4.25) * symbolMs + payloadSymbols * symbolMs;
}

/**
 * FSK time on air in ms as the SX127x sends a LoRaWAN DR7 frame: 5 preamble bytes, 3 sync-word bytes,
 * 1 length byte, the payload and a 2-byte CRC.
 */
export function fskAirtimeMs(phyPayloadLength: number, bitrate: number = FSK_DATA_RATE.bitrate, crc = true): number {
  if (!Number.isInteger(phyPayloadLength) || phyPayloadLength < 0 || phyPayloadLength > 255) {
    throw new LoRaWANError('bad_field', `payload length ${phyPayloadLength} is outside 0..255`);
  }
  if (!Number.isFinite(bitrate) || bitrate <= 0) throw new LoRaWANError('bad_field', `bit rate ${bitrate} is not positive`);
  const bytes = 5 + 3 + 1 + phyPayloadLength + (crc ? 2 : 0);
  return (bytes * 8 * 1000) / bitrate;
}

interface Transmission {
  at: number;
  airtimeMs: number;
}

/**
 * Per-sub-band transmit time over a sliding window (ETSI counts the duty cycle over one hour). A
 * transmission is recorded only when it fits, so a refused frame does not eat into the budget.
 */
export class DutyCycleLedger {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly history = new Map<string, Transmission[]>();

  constructor(opts: { now?: () => number; windowMs?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.windowMs = opts.windowMs ?? 3_600_000;
  }

  subBandOf(frequency: number): { name: string; limit: number } | undefined {
    const band = subBandAt(frequency);
    return band ? { name: band.name, limit: band.limit } : undefined;
  }

  /** true and recorded when the transmission fits the sub-band's duty cycle over the window; false otherwise. */
  tryConsume(frequency: number, airtimeMs: number): boolean {
    const band = subBandAt(frequency);
    if (!band || !Number.isFinite(airtimeMs) || airtimeMs < 0) return false;
    const now = this.now();
    const used = this.usedMs(band.name, now);
    if (used + airtimeMs > band.limit * this.windowMs) return false;
    const list = this.history.get(band.name) ?? [];
    list.push({ at: now, airtimeMs });
    this.history.set(band.name, list);
    return true;
  }

  /** Gives back airtime reserved by tryConsume for a frame that was not emitted after all (latest match). */
  release(frequency: number, airtimeMs: number): boolean {
    const band = subBandAt(frequency);
    const list = band ? this.history.get(band.name) : undefined;
    if (!list) return false;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].airtimeMs === airtimeMs) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Every transmission still inside the window, for saving across restarts. */
  entries(): Array<{ band: string; at: number; airtimeMs: number }> {
    const now = this.now();
    const out: Array<{ band: string; at: number; airtimeMs: number }> = [];
    for (const b of EU868_SUB_BANDS) {
      this.usedMs(b.name, now);
      for (const t of this.history.get(b.name) ?? []) out.push({ band: b.name, at: t.at, airtimeMs: t.airtimeMs });
    }
    return out;
  }

  /** Puts back transmissions saved by entries() (unknown bands and stale or malformed entries are ignored). */
  restore(entries: ReadonlyArray<{ band: string; at: number; airtimeMs: number }>): number {
    const horizon = this.now() - this.windowMs;
    const known = new Set(EU868_SUB_BANDS.map((b) => b.name));
    let restored = 0;
    for (const e of entries) {
      if (!known.has(e.band) || !Number.isFinite(e.at) || !Number.isFinite(e.airtimeMs) || e.airtimeMs < 0 || e.at <= horizon) continue;
      const list = this.history.get(e.band) ?? [];
      list.push({ at: e.at, airtimeMs: e.airtimeMs });
      this.history.set(e.band, list);
      restored += 1;
    }
    for (const list of this.history.values()) list.sort((a, b) => a.at - b.at);
    return restored;
  }

  usage(): Array<{ name: string; usedMs: number; allowedMs: number }> {
    const now = this.now();
    return EU868_SUB_BANDS.map((b) => ({
      name: b.name,
      usedMs: this.usedMs(b.name, now),
      allowedMs: b.limit * this.windowMs,
    }));
  }

  /** Airtime still inside the window; drops what has slid out so the history stays small. */
  private usedMs(name: string, now: number): number {
    const list = this.history.get(name);
    if (!list) return 0;
    const horizon = now - this.windowMs;
    let firstKept = 0;
    while (firstKept < list.length && list[firstKept].at <= horizon) firstKept++;
    if (firstKept > 0) list.splice(0, firstKept);
    let sum = 0;
    for (const t of list) sum += t.airtimeMs;
    return sum;
  }
}
