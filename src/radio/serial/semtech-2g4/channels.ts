// Channel plan of the 2.4 GHz gateway: one channel per SX1280 RX radio, radio index = position.
import { RADIO_BANDS } from '../../plausibility.js';
import { SerialConfigError } from '../errors.js';
import { BANDWIDTH_BY_CODE } from './messages.js';

export interface Semtech2g4ChannelConfig {
  /** Centre frequency, Hz. */
  frequency: number;
  spreadingFactor?: number;
  /** Hz: 203125, 406250, 812500 or 1625000 (the nominal 200000/400000/800000/1600000 are accepted too). */
  bandwidth?: number;
  /** dB added to the raw RSSI the MCU reports (board calibration). */
  rssiOffset?: number;
}

export interface Semtech2g4Channel {
  radio: number;
  frequency: number;
  spreadingFactor: number;
  /** Real bandwidth in Hz (812500, not 800000). */
  bandwidth: number;
  bandwidthCode: number;
  rssiOffset: number;
}

/** The reference design has three RX radios. */
export const MAX_RX_RADIOS = 3;

/** ChirpStack Concentratord's ISM2400 plan: 2403/2425/2479 MHz, SF12, BW 812.5 kHz. */
export const ISM2400_DEFAULT_CHANNELS: readonly Semtech2g4ChannelConfig[] = [2_403_000_000, 2_425_000_000, 2_479_000_000].map(
  (frequency) => ({ frequency, spreadingFactor: 12, bandwidth: 812_500 }),
);

const NOMINAL_BANDWIDTH: ReadonlyMap<number, number> = new Map([
  [200_000, 203_125],
  [400_000, 406_250],
  [800_000, 812_500],
  [1_600_000, 1_625_000],
]);

/** The MCU code and real bandwidth for a bandwidth in Hz (nominal 800000 means 812500); undefined when unsupported. */
export function bandwidthCodeFor(bandwidth: number): { code: number; bandwidth: number } | undefined {
  const real = NOMINAL_BANDWIDTH.get(bandwidth) ?? bandwidth;
  for (const [code, hz] of BANDWIDTH_BY_CODE) if (hz === real) return { code, bandwidth: real };
  return undefined;
}

/** A setting of the channel list that cannot work; `path` is relative to the list (`[0, 'frequency']`). */
export interface ChannelProblem {
  path: Array<string | number>;
  message: string;
}

/** Every problem of a configured channel list (pure; check-config and resolveChannels share it). */
export function channelProblems(list: readonly Semtech2g4ChannelConfig[]): ChannelProblem[] {
  if (list.length > MAX_RX_RADIOS) {
    return [{ path: [], message: `semtech-2g4 has ${MAX_RX_RADIOS} RX radios, but ${list.length} channels are configured` }];
  }
  const problems: ChannelProblem[] = [];
  list.forEach((channel, radio) => {
    const { frequency } = channel;
    if (!Number.isInteger(frequency) || frequency < RADIO_BANDS.ism2400.low || frequency > RADIO_BANDS.ism2400.high) {
      problems.push({ path: [radio, 'frequency'], message: `frequency ${frequency} Hz is outside the 2400-2500 MHz band of the SX1280` });
    }
    const spreadingFactor = channel.spreadingFactor ?? 12;
    if (!Number.isInteger(spreadingFactor) || spreadingFactor < 5 || spreadingFactor > 12) {
      problems.push({ path: [radio, 'spreadingFactor'], message: `spreading factor ${spreadingFactor} is not one of 5..12` });
    }
    if (!bandwidthCodeFor(channel.bandwidth ?? 812_500)) {
      problems.push({ path: [radio, 'bandwidth'], message: `bandwidth ${channel.bandwidth} Hz is not one of 203125, 406250, 812500, 1625000` });
    }
    if (!Number.isFinite(channel.rssiOffset ?? 0)) problems.push({ path: [radio, 'rssiOffset'], message: 'rssiOffset must be a number' });
  });
  return problems;
}

/** Validates the configured channels (or takes the ISM2400 default) and assigns radio indexes. */
export function resolveChannels(configured: readonly Semtech2g4ChannelConfig[] | undefined): Semtech2g4Channel[] {
  const list = configured && configured.length > 0 ? configured : ISM2400_DEFAULT_CHANNELS;
  const first = channelProblems(list)[0];
  if (first) {
    const radio = first.path[0];
    throw new SerialConfigError(typeof radio === 'number' ? `semtech-2g4 channel ${radio}: ${first.message}` : first.message);
  }
  return list.map((channel, radio) => {
    const bw = bandwidthCodeFor(channel.bandwidth ?? 812_500)!;
    return {
      radio,
      frequency: channel.frequency,
      spreadingFactor: channel.spreadingFactor ?? 12,
      bandwidth: bw.bandwidth,
      bandwidthCode: bw.code,
      rssiOffset: channel.rssiOffset ?? 0,
    };
  });
}
