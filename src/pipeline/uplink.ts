// The Uplink: one frame as it travels the pipeline (radio frame, LoRaWAN fields, device outcome),
// and the exits that take it once it is stored. The pipeline produces it, so it owns it.
import type { RadioFrame } from '../radio/radio-frame.js';
import type { PhyPayload } from '../lorawan/phy-payload.js';
import type { DeviceOutcome } from '../devices/outcome.js';
import type { OutboxRecord, RecordLorawan } from '../outbox/record.js';

export interface Uplink {
  frame: RadioFrame;
  /** null when the payload is not a valid LoRaWAN frame (it is stored raw all the same). */
  phy: PhyPayload | null;
  /** The LoRaWAN fields of the Record, completed by the device layer (32-bit FCnt, MIC, replay). */
  lorawan: RecordLorawan;
  /** What the device layer added; null when no registered device sent the frame. */
  outcome: DeviceOutcome | null;
}

/** The first exit, for every frame: the outbox (appends synchronously and returns the seq). */
export interface RecordStore {
  append(record: Omit<OutboxRecord, 'seq'>): number;
}

/** The live stream (ChirpStack event/up): returns false when it skipped the frame (offline). */
export interface LiveUplinkStream {
  publish(frame: RadioFrame): boolean;
}

/** A part that acts on stored uplinks (edge mode answers joins and confirmed uplinks). */
export interface UplinkExit {
  readonly name: string;
  take(uplink: Uplink): void;
}
