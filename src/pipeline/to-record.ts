// From an Uplink to the Record the outbox stores and the hub receives: radio metadata, LoRaWAN
// fields, the device and the codec result, the payload exactly as received.
import type { RadioFrame } from '../radio/radio-frame.js';
import type { PhyPayload } from '../lorawan/phy-payload.js';
import type { OutboxRecord, RecordLorawan, RecordRadio } from '../outbox/record.js';
import type { Uplink } from './uplink.js';

/** The LoRaWAN fields of a payload that is not a LoRaWAN frame (or before parsing). */
export const EMPTY_LORAWAN: Readonly<RecordLorawan> = {
  mType: 'Invalid', devAddr: null, fCnt: null, fPort: null, adr: null, ack: null, micValid: null, fCntReplay: null,
  joinEui: null, devEui: null, devNonce: null, parseError: null,
};

export function toRecord(uplink: Uplink): Omit<OutboxRecord, 'seq'> {
  const { frame, lorawan, outcome } = uplink;
  return {
    capturedAt: new Date(frame.receivedAt).toISOString(),
    radio: radioFields(frame),
    phyPayload: frame.payload.toString('base64'),
    lorawan,
    device: outcome?.device ?? null,
    decoded: outcome?.decoded ?? null,
  };
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
