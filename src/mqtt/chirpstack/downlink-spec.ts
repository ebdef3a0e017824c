// The plain shape every gw.DownlinkFrame becomes, whether it came as protobuf or as the protobuf
// JSON mapping (ChirpStack's `json` marshaler), so the scheduling code sees one shape.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { CODE_RATES, type Marshaler } from './enums.js';

export type DownlinkTimingSpec =
  | { kind: 'immediately' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'gps'; gpsTimeMs: number };

export type DownlinkModulationSpec =
  | {
      kind: 'LORA';
      spreadingFactor: number;
      bandwidth: number;
      /** As written on air, e.g. `4/5`; undefined when the frame named none. */
      codeRate?: string;
      polarizationInversion: boolean;
      /** 0 = the radio's default. */
      preamble: number;
      noCrc: boolean;
    }
  | { kind: 'FSK'; datarate: number; frequencyDeviation: number }
  | { kind: 'LR_FHSS' };

export interface DownlinkTxInfoSpec {
  frequency: number;
  /** dBm EIRP. */
  power: number;
  modulation?: DownlinkModulationSpec;
  board: number;
  antenna: number;
  timing?: DownlinkTimingSpec;
  /** The uplink context the network server echoes back (empty when none). */
  context: Buffer;
}

export interface DownlinkItemSpec {
  phyPayload: Buffer;
  txInfo?: DownlinkTxInfoSpec;
}

export interface DownlinkFrameSpec {
  /** '' when the frame named no gateway. */
  gatewayId: string;
  downlinkId: number;
  items: DownlinkItemSpec[];
}


export type DownlinkFrameParse =
  | { ok: true; frame: DownlinkFrameSpec; format: Marshaler }
  | { ok: false; format: Marshaler; reason: string };

export const CODE_RATE_TEXT: Record<number, string> = Object.fromEntries(
  Object.entries(CODE_RATES).map(([text, value]) => [value, text]),
);
export const CODE_RATE_BY_ENUM_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(gw.CodeRate).flatMap(([name, value]) =>
    CODE_RATE_TEXT[value as number] ? [[name, CODE_RATE_TEXT[value as number]]] : [],
  ),
);

/** A payload that is not a valid gw.DownlinkFrame; the message is the reason sent back. */
export class DownlinkParseError extends Error {}

/**
 * ChirpStack sends one item per receive window (RX1, RX2); more are refused so that the
 * DownlinkTxAck, one status per item, stays small whatever the command holds.
 */
export const MAX_DOWNLINK_ITEMS = 8;
