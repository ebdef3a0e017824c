// The Record: what the outbox stores and what the hub receives inside a batch (hub schema
// `docs/hub/batch.schema.json`). `(gatewayId, seq)` is the idempotency key.
import type { RecordDevice, RecordDecoded } from '../devices/outcome.js';
import type { CaptureClockFields, UncorrectedReason } from '../clock/capture-stamp.js';

// The device layer owns these; they are named here too because the Record carries them.
export type { RecordDevice, RecordDecoded };

export interface RecordRadio {
  source: string;
  frequency: number;
  modulation: 'LORA' | 'FSK';
  spreadingFactor: number | null;
  bandwidth: number | null;
  codeRate: string | null;
  fskDatarate: number | null;
  rssi: number;
  snr: number | null;
  channel: number | null;
  rfChain: number | null;
  crc: 'ok' | 'bad' | 'none';
  /** Concentrator µs counter (u32) when the source gave one. */
  counterUs: number | null;
  /** UTC time the concentrator stamped (GPS-backed or its own clock), when given. */
  gwTime: string | null;
}

export interface RecordLorawan {
  mType: string;
  /** Data frames: DevAddr, 8 hex digits MSB first. */
  devAddr: string | null;
  /** Data frames: 32-bit FCnt (rebuilt from the 16 bits on air when the device is known). */
  fCnt: number | null;
  fPort: number | null;
  adr: boolean | null;
  ack: boolean | null;
  /** true/false when the device's keys are known, null otherwise. */
  micValid: boolean | null;
  /** Known devices: true when the FCnt did not advance past the last accepted one (not decoded). */
  fCntReplay: boolean | null;
  /** Join requests: identifiers, hex MSB first. */
  joinEui: string | null;
  devEui: string | null;
  devNonce: number | null;
  /** Set when the frame is not a valid LoRaWAN frame; the raw payload is still forwarded. */
  parseError: string | null;
}

/**
 * A record as stored in the outbox (without the send-time fields). The clock fields
 * (CaptureClockFields: clockSynced, bootId, monoMs) and gpsTime are absent only from records stored
 * by versions before hub schema 2; a batch fills them in with null.
 */
export interface OutboxRecord extends Partial<CaptureClockFields> {
  seq: number;
  /** ISO 8601 UTC, ms precision: when the gateway received the frame, by its clock then. */
  capturedAt: string;
  /** ISO 8601 UTC of reception from the forwarder's GPS (rxpk tmms, else rxpk time), when it sent one. */
  gpsTime?: string | null;
  radio: RecordRadio;
  /** Base64, exactly as received. */
  phyPayload: string;
  lorawan: RecordLorawan;
  device: RecordDevice | null;
  decoded: RecordDecoded | null;
}

/**
 * A record as sent in a batch: plus how long it was held, whether it waited through an outage, and
 * whether its capturedAt was corrected (hub schema 2, docs/hub/README.md).
 */
export interface BatchRecord extends OutboxRecord {
  holdMs: number;
  replay: boolean;
  /** True when capturedAt was rebuilt from the monotonic clock after the system clock synchronised. */
  capturedAtCorrected: boolean;
  /** Only when corrected: capturedAt as the gateway's clock said at capture. */
  capturedAtLocal?: string;
  /** Only for records captured not synchronised and sent uncorrected: why. */
  uncorrectedReason?: UncorrectedReason;
}
