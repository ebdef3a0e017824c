// From an Uplink to the Record the outbox stores and the hub receives: radio metadata, LoRaWAN
// fields, the device and the codec result, the payload exactly as received.
import type { RadioFrame } from '../radio/radio-frame.js';
import type { PhyPayload } from '../lorawan/phy-payload.js';
import type { OutboxRecord, RecordLorawan, RecordRadio } from '../outbox/record.js';
import type { Uplink } from './uplink.js';
import type { CaptureStamp } from '../clock/capture-stamp.js';
import { gpsMsToIso } from '../clock/gps-time.js';
import { isoOfMs, msOfIso } from '../clock/iso-time.js';

/** The LoRaWAN fields of a payload that is not a LoRaWAN frame (or before parsing). */
export const EMPTY_LORAWAN: Readonly<RecordLorawan> = {
  mType: 'Invalid', devAddr: null, fCnt: null, fPort: null, adr: null, ack: null, micValid: null, fCntReplay: null,
  joinEui: null, devEui: null, devNonce: null, parseError: null,
};

/** Frames stamped without a capture clock (tests, tools): the host time, nothing known of its sync. */
export function unknownClockStamp(receivedAt: number): CaptureStamp {
  return { capturedAt: isoOfMs(receivedAt), clockSynced: null, bootId: null, monoMs: null };
}

export function toRecord(uplink: Uplink, stamp: CaptureStamp = unknownClockStamp(uplink.frame.receivedAt)): Omit<OutboxRecord, 'seq'> {
  const { frame, lorawan, outcome } = uplink;
  return {
    capturedAt: stamp.capturedAt,
    clockSynced: stamp.clockSynced,
    gpsTime: gpsTimeOf(frame),
    bootId: stamp.bootId,
    monoMs: stamp.monoMs,
    radio: radioFields(frame),
    phyPayload: frame.payload.toString('base64'),
    lorawan,
    device: outcome?.device ?? null,
    decoded: outcome?.decoded ?? null,
  };
}

/**
 * The forwarder's GPS time of reception: `tmms` (GPS time, converted with the leap seconds), else
 * rxpk `time` (the Semtech reference forwarders send it only while their GPS is locked).
 */
export function gpsTimeOf(f: RadioFrame): string | null {
  if (f.gpsTimeMs !== undefined) {
    const iso = gpsMsToIso(f.gpsTimeMs);
    if (iso !== null) return iso;
  }
  if (f.gwTime !== undefined) {
    const ms = msOfIso(f.gwTime);
    if (!Number.isNaN(ms)) return isoOfMs(ms);
  }
  return null;
}

export function radioFields(f: RadioFrame): RecordRadio {
  return {
    source: f.source,
    frequency: f.frequency,
    modulation: f.modulation,
    spreadingFactor: f.spreadingFactor ?? null,
    bandwidth: f.bandwidth ?? null,
    codeRate: f.codeRate ?? null,
    fskDatarate: f.fskDatarate ?? null,
    rssi: f.rssi,
    snr: f.snr ?? null,
    channel: f.channel ?? null,
    rfChain: f.rfChain ?? null,
    crc: f.crc,
    counterUs: f.counterUs ?? null,
    gwTime: f.gwTime ?? null,
  };
}

export function lorawanFields(phy: PhyPayload): RecordLorawan {
  const out: RecordLorawan = { ...EMPTY_LORAWAN, mType: phy.mType };
  if (phy.kind === 'data') {
    out.devAddr = phy.devAddrHex;
    out.fCnt = phy.fCnt;
    out.fPort = phy.fPort;
    out.adr = phy.adr;
    out.ack = phy.ack;
  } else if (phy.kind === 'joinRequest') {
    out.joinEui = phy.joinEui;
    out.devEui = phy.devEui;
    out.devNonce = phy.devNonce;
  }
  return out;
}
