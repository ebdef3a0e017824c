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
/** LoRaWAN device class: A listens only after its uplinks, C listens all the time. */
export type DeviceClass = 'A' | 'B' | 'C';

/** A payload with the output the codec must give, in the form of a device-repository codec YAML. */
export interface PayloadExample {
  description: string;
  input: { fPort: number; bytes: number[] };
  output: { data?: Record<string, unknown>; warnings?: string[]; errors?: string[] };
}

/**
 * A built-in codec: one file per device model (`codecs/builtin/<id>.ts`), listed in
 * `codecs/builtin/catalogue.ts`. Its metadata is the model's shipped device profile; nothing else
 * repeats it.
 */
export interface BuiltinCodec {
  /** Stable id used in device profiles and the registry, for example `nasys-ul20xx`. */
  id: string;
  vendor: string;
  model: string;
  category: DeviceCategory;
  /** How the model listens for downlinks (mains-powered controllers are C, battery sensors A). */
  deviceClass: DeviceClass;
  /** fPorts the device uses for uplinks; others get an `errors` entry. */
  fPorts: number[];
  description: string;
  /** Payloads `lora-edge profiles check` and the tests run through the codec. */
  examples?: readonly PayloadExample[];
  decodeUplink(input: UplinkInput): DecodeResult;
  encodeDownlink?(input: DownlinkInput): EncodeResult;
}

/** What a downlink command asks a codec to encode. */
export interface CommandInput {
  data: Record<string, unknown>;
  /** The port the command names, if any (codecs may choose their own). */
  fPort?: number;
  variables?: Record<string, string>;
}

/** Bytes and the port to send them on, or the reasons why not (errors non-empty). */
export interface CommandEncoding {
  bytes?: number[];
  fPort?: number;
  warnings: string[];
  errors: string[];
}
