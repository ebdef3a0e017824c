// gw.DownlinkFrame as protobuf: decoded into a DownlinkFrameSpec, and built from one (what a
// network server would send: tests, simulators, tools).
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { DownlinkFrame } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import durPb from 'google-protobuf/google/protobuf/duration_pb.js';
import { CODE_RATE_TEXT, DownlinkParseError, type DownlinkFrameSpec, type DownlinkItemSpec, type DownlinkTxInfoSpec } from './downlink-spec.js';
import { CODE_RATES } from './enums.js';

export function downlinkFromProtobuf(payload: Buffer): DownlinkFrameSpec {
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
