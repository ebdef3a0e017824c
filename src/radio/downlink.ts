// The downlink contract between whoever decides to transmit (network-server commands, edge mode)
// and the radio sources that can: one request type, one status vocabulary (ChirpStack's
// TxAckStatus names), so a source never needs to know why a frame goes out.

/** When to transmit. */
export type TxTiming =
  /** As soon as possible (class C, or the caller already waited). */
  | { kind: 'immediate' }
  /**
   * `delayMs` after the uplink whose RadioFrame.context (as the same source produced it) is given:
   * class A receive windows (RX1 = 1 s, join accept = 5 s ...).
   */
  | { kind: 'delay'; context: Buffer; delayMs: number }
  /** At a GPS time (ms since 1980-01-06), class B or precisely scheduled downlinks. */
  | { kind: 'gps'; gpsTimeMs: number };

export interface TxRequest {
  /** The PHYPayload as it goes on air. */
  payload: Buffer;
  /** Hz. */
  frequency: number;
  modulation: 'LORA' | 'FSK';
  spreadingFactor?: number;
  /** Hz. */
  bandwidth?: number;
  /** As written on air, e.g. `4/5`. */
  codeRate?: string;
  /** FSK bit/s. */
  fskDatarate?: number;
  /** dBm EIRP. */
  power: number;
  /** LoRaWAN downlinks invert IQ (true); uplink-style frames do not. */
  polarizationInversion: boolean;
  timing: TxTiming;
  /** Preamble symbols, when not the default (8). */
  preamble?: number;
}

/** ChirpStack's gw.TxAckStatus names, which is also what the Semtech forwarder's TX_ACK reports. */
export type TxStatus =
  | 'OK'
  | 'IGNORED'
  | 'TOO_LATE'
  | 'TOO_EARLY'
  | 'COLLISION_PACKET'
  | 'COLLISION_BEACON'
  | 'TX_FREQ'
  | 'TX_POWER'
  | 'GPS_UNLOCKED'
  | 'QUEUE_FULL'
  | 'INTERNAL_ERROR'
  | 'DUTY_CYCLE_OVERFLOW';

/** A radio source that can transmit. Every failure is a status, never a thrown error. */
export interface DownlinkCapable {
  /**
   * Hands the frame to the radio and resolves with what the radio reported (UDP: the TX_ACK;
   * serial: the transmit status), or TOO_LATE / INTERNAL_ERROR when it could not be sent.
   */
  transmit(request: TxRequest): Promise<TxStatus>;
}

export function canTransmit(source: object): source is DownlinkCapable {
  return typeof (source as Partial<DownlinkCapable>).transmit === 'function';
}
