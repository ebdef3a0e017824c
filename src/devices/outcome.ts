// What the device layer adds to one frame: who sent it and what the codec made of it. The device
// layer produces these, so it owns them; the Record (outbox/record.ts) carries them on.
import type { PhyPayload } from '../lorawan/phy-payload.js';
import type { RadioFrame } from '../radio/radio-frame.js';

/** The registered device a frame is attributed to. */
export interface RecordDevice {
  devEui: string;
  name: string;
  profile: string;
  owner: string;
}

/** The device codec's result for one uplink. */
export interface RecordDecoded {
  codec: string;
  data: Record<string, unknown> | null;
  warnings: string[];
  errors: string[];
}

/** What the device layer adds to a frame it can attribute. */
export interface DeviceOutcome {
  /** null when the frame failed its MIC check: it is neither attributed nor decoded. */
  device: RecordDevice | null;
  micValid: boolean | null;
  fCnt: number | null;
  fCntReplay: boolean | null;
  decoded: RecordDecoded | null;
}

/** Attributes frames to devices (the device directory, or a stand-in in tests). */
export interface DeviceResolver {
  /** null when the frame belongs to no registered device. */
  resolve(phy: PhyPayload, frame: RadioFrame): DeviceOutcome | null;
}
