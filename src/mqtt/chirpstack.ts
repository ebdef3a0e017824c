// Everything ChirpStack, in one place (this module and ./chirpstack/): the mapping between lora-edge
// types and the `gw` protobuf messages (official @chirpstack/chirpstack-api classes), the live
// event/up publisher, gateway stats, command/down handling and the uplink context ChirpStack echoes
// back. The package is CommonJS: default import only (named imports type-check but fail at run time).
export type { Marshaler } from './chirpstack/enums.js';
export * from './chirpstack/uplink.js';
export * from './chirpstack/json.js';
export * from './chirpstack/downlink.js';
export * from './chirpstack/source-context.js';
export * from './chirpstack/ns-downlinks.js';
export * from './chirpstack/live-uplinks.js';
export * from './chirpstack/gateway-stats.js';
