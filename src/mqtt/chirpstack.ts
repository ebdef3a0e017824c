// The mapping between lora-edge types and ChirpStack's `gw` protobuf messages, in one place
// (this module and ./chirpstack/), using the official @chirpstack/chirpstack-api classes. The package
// is CommonJS: default import only (named imports type-check but fail at run time).
export type { Marshaler } from './chirpstack/enums.js';
export * from './chirpstack/uplink.js';
export * from './chirpstack/json.js';
export * from './chirpstack/downlink.js';
