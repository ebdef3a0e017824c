// The codec contract: LoRa Alliance TS013 (Payload Codec API) shapes, shared by built-in codecs
// and sandboxed user codecs.

export interface UplinkInput {
  bytes: number[];
  fPort: number;
  recvTime: Date;
  /** Device variables from the registry (ChirpStack passes these too). */
  variables?: Record<string, string>;
}

export interface DecodeResult {
  data?: Record<string, unknown>;
  warnings?: string[];
  errors?: string[];
}

export interface DownlinkInput {
  data: Record<string, unknown>;
  variables?: Record<string, string>;
}

export interface EncodeResult {
  bytes?: number[];
  fPort?: number;
  warnings?: string[];
  errors?: string[];
}

/** What a record carries: always all three keys. */
export interface CodecOutcome {
  data: Record<string, unknown> | null;
  warnings: string[];
  errors: string[];
}

export type DeviceCategory = 'streetlight' | 'parking' | 'air' | 'other';

/** A built-in codec: one file per device model, registered in `codecs/builtin/index.ts`. */
export interface BuiltinCodec {
  /** Stable id used in device profiles, for example `nasys-ul20xx`. */
  id: string;
  vendor: string;
  model: string;
  category: DeviceCategory;
  /** fPorts the device uses for uplinks; others get an `errors` entry. */
  fPorts: number[];
  description: string;
  decodeUplink(input: UplinkInput): DecodeResult;
  encodeDownlink?(input: DownlinkInput): EncodeResult;
}
