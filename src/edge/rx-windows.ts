// Class A receive windows and class C transmissions turned into TxRequests (EU868). A join
// accept uses the join-accept delays, RX1 data-rate offset 0 and the regional default RX2 (the
// device has not yet received DLSettings); data downlinks use the settings the join accept gave.
import type { TxRequest, TxTiming } from '../radio/downlink.js';
import type { RadioFrame } from '../radio/radio-frame.js';
import { EU868, FSK_DATA_RATE, dataRateOf, dataRateParams, maxEirpDbm, maxFrmPayload, rx1Params } from '../lorawan/region-eu868.js';

export interface Window {
  name: 'RX1' | 'RX2';
  frequency: number;
  dataRate: number;
  /** ms after the uplink. */
  delayMs: number;
}

export interface WindowSettings {
  rx1DelayMs: number;
  rx1DrOffset: number;
  rx2DelayMs: number;
  rx2Frequency: number;
  rx2DataRate: number;
}

/** Receive windows after a join request. */
export function joinAcceptWindowSettings(): WindowSettings {
  return {
    rx1DelayMs: EU868.joinAcceptDelay1Ms,
    rx1DrOffset: 0,
    rx2DelayMs: EU868.joinAcceptDelay2Ms,
    rx2Frequency: EU868.defaultRx2Frequency,
    rx2DataRate: EU868.defaultRx2DataRate,
  };
}

/** Receive windows after a data uplink, from the edge settings (rxDelay in seconds). */
export function dataWindowSettings(s: { rxDelay: number; rx1DrOffset: number; rx2Frequency: number; rx2DataRate: number }): WindowSettings {
  const rx1DelayMs = s.rxDelay * 1000;
  return { rx1DelayMs, rx1DrOffset: s.rx1DrOffset, rx2DelayMs: rx1DelayMs + 1000, rx2Frequency: s.rx2Frequency, rx2DataRate: s.rx2DataRate };
}

/** EU868 data rate of a received frame, or undefined (FSK frames are DR7). */
export function uplinkDataRate(frame: Pick<RadioFrame, 'modulation' | 'spreadingFactor' | 'bandwidth'>): number | undefined {
  if (frame.modulation === 'FSK') return FSK_DATA_RATE.dataRate;
  if (frame.spreadingFactor === undefined || frame.bandwidth === undefined) return undefined;
  return dataRateOf(frame.spreadingFactor, frame.bandwidth);
}

/** RX1 (when the uplink's data rate is known) then RX2. */
export function classAWindows(frame: Pick<RadioFrame, 'frequency' | 'modulation' | 'spreadingFactor' | 'bandwidth'>, s: WindowSettings): Window[] {
  const windows: Window[] = [];
  const dr = uplinkDataRate(frame);
  if (dr !== undefined) {
    const rx1 = rx1Params(frame.frequency, dr, s.rx1DrOffset);
    windows.push({ name: 'RX1', frequency: rx1.frequency, dataRate: rx1.dataRate, delayMs: s.rx1DelayMs });
  }
  windows.push({ name: 'RX2', frequency: s.rx2Frequency, dataRate: s.rx2DataRate, delayMs: s.rx2DelayMs });
  return windows;
}

/** Largest application payload (FRMPayload plus FOpts) a window's data rate carries. */
export function windowCapacity(dataRate: number): number {
  return maxFrmPayload(dataRate);
}

/** The data rate the RX1 window would use for a device last heard at `uplinkDataRate`. */
export function rx1DataRate(uplinkDr: number, rx1DrOffset: number): number {
  return Math.max(0, uplinkDr - rx1DrOffset);
}

/** Transmit power: the configured ceiling, within the sub-band's legal limit. */
export function txPower(frequency: number, maxTxPower: number): number {
  return Math.min(maxTxPower, maxEirpDbm(frequency));
}

/** A downlink TxRequest at a data rate; undefined when the data rate is not an EU868 one. */
export function downlinkRequest(
  payload: Buffer,
  frequency: number,
  dataRate: number,
  timing: TxTiming,
  maxTxPower: number,
): TxRequest | undefined {
  const base = { payload, frequency, power: txPower(frequency, maxTxPower), polarizationInversion: true, timing };
  if (dataRate === FSK_DATA_RATE.dataRate) return { ...base, modulation: 'FSK', fskDatarate: FSK_DATA_RATE.bitrate };
  const lora = dataRateParams(dataRate);
  if (lora === undefined) return undefined;
  return { ...base, modulation: 'LORA', spreadingFactor: lora.spreadingFactor, bandwidth: lora.bandwidth, codeRate: '4/5' };
}
