// Gateway -> hub messages: gw.UplinkFrame for every live frame, gw.ConnState and gw.GatewayStats.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { UplinkFrame, ConnState, GatewayStats } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import durPb from 'google-protobuf/google/protobuf/duration_pb.js';
import commonPb from '@chirpstack/chirpstack-api/common/common_pb.js';
import type { RadioFrame } from '../../radio/radio-frame.js';
import type { IntervalCounts, ModulationCount, ModulationFields } from './radio-tally.js';
import { CODE_RATES, CRC_STATUS, timestampFromIso, timestampFromMs } from './enums.js';
import { wrapContext } from './source-context.js';

export interface UplinkMapOptions {
  gatewayId: string;
  uplinkId: number;
  /** Set for the live stream: the context goes out prefixed with the radio source's index (source-context.ts). */
  sourceIndex?: number;
}

// A gateway hears a handful of channel and data-rate combinations: their tx_info messages are built
// once and shared (serializing never changes them), which keeps per-frame allocations down.
const txInfoCache = new Map<string, InstanceType<typeof gw.UplinkTxInfo>>();

function uplinkTxInfo(frame: RadioFrame): InstanceType<typeof gw.UplinkTxInfo> {
  const key = `${frame.modulation}|${frame.frequency}|${frame.spreadingFactor}|${frame.bandwidth}|${frame.codeRate}|${frame.fskDatarate}`;
  let txInfo = txInfoCache.get(key);
  if (txInfo) return txInfo;
  txInfo = new gw.UplinkTxInfo();
  txInfo.setFrequency(frame.frequency);
  txInfo.setModulation(toModulation(frame));
  if (txInfoCache.size >= 256) txInfoCache.clear();
  txInfoCache.set(key, txInfo);
  return txInfo;
}

/** LoRa or FSK modulation parameters (of a frame heard or sent) as a gw.Modulation. */
export function toModulation(m: ModulationFields): InstanceType<typeof gw.Modulation> {
  const modulation = new gw.Modulation();
  if (m.modulation === 'LORA') {
    const lora = new gw.LoraModulationInfo();
    if (m.bandwidth !== undefined) lora.setBandwidth(m.bandwidth);
    if (m.spreadingFactor !== undefined) lora.setSpreadingFactor(m.spreadingFactor);
    if (m.codeRate !== undefined) {
      const cr = CODE_RATES[m.codeRate.replace(/\s/g, '')];
      if (cr !== undefined) lora.setCodeRate(cr);
      lora.setCodeRateLegacy(m.codeRate);
    }
    modulation.setLora(lora);
  } else {
    const fsk = new gw.FskModulationInfo();
    if (m.fskDatarate !== undefined) fsk.setDatarate(m.fskDatarate);
    modulation.setFsk(fsk);
  }
  return modulation;
}

/** A received frame as ChirpStack's `gw.UplinkFrame`, with every field the source gave. */
export function toUplinkFrame(frame: RadioFrame, opts: UplinkMapOptions): UplinkFrame {
  const txInfo = uplinkTxInfo(frame);
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
  if (frame.context) rxInfo.setContext(opts.sourceIndex === undefined ? frame.context : wrapContext(opts.sourceIndex, frame.context));
  rxInfo.setCrcStatus(CRC_STATUS[frame.crc]);
  rxInfo.getMetadataMap().set('source', frame.source);

  const up = new gw.UplinkFrame();
  up.setPhyPayload(frame.payload);
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

export interface StatsLocation {
  latitude: number;
  longitude: number;
  /** Metres. */
  altitude: number;
  /** gps: the packet forwarder's own `stat`; config: gateway.location. */
  source: 'gps' | 'config';
}

/** One interval's counts (RadioTally) plus identity, time, location and metadata. */
export interface StatsInput extends IntervalCounts {
  gatewayId: string;
  timeMs: number;
  metadata: Record<string, string>;
  location?: StatsLocation;
}

function perModulation(counts: readonly ModulationCount[]): Array<InstanceType<typeof gw.PerModulationCount>> {
  return counts.map((c) => {
    const m = new gw.PerModulationCount();
    m.setModulation(toModulation(c.modulation));
    m.setCount(c.count);
    return m;
  });
}

export function toGatewayStats(s: StatsInput): GatewayStats {
  const msg = new gw.GatewayStats();
  msg.setGatewayId(s.gatewayId);
  msg.setTime(timestampFromMs(s.timeMs));
  if (s.location) {
    const loc = new commonPb.Location();
    loc.setLatitude(s.location.latitude);
    loc.setLongitude(s.location.longitude);
    loc.setAltitude(s.location.altitude);
    loc.setSource(s.location.source === 'gps' ? commonPb.LocationSource.GPS : commonPb.LocationSource.CONFIG);
    msg.setLocation(loc);
  }
  msg.setRxPacketsReceived(s.rxReceived);
  msg.setRxPacketsReceivedOk(s.rxReceivedOk);
  msg.setTxPacketsReceived(s.txReceived);
  msg.setTxPacketsEmitted(s.txEmitted);
  for (const [freq, n] of s.rxPerFrequency) msg.getRxPacketsPerFrequencyMap().set(freq, n);
  for (const [freq, n] of s.txPerFrequency) msg.getTxPacketsPerFrequencyMap().set(freq, n);
  msg.setRxPacketsPerModulationList(perModulation(s.rxPerModulation));
  msg.setTxPacketsPerModulationList(perModulation(s.txPerModulation));
  for (const [status, n] of Object.entries(s.txPerStatus)) msg.getTxPacketsPerStatusMap().set(status, n);
  const md = msg.getMetadataMap();
  for (const [k, v] of Object.entries(s.metadata)) md.set(k, v);
  return msg;
}
