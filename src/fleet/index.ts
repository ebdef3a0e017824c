// Public API of the fleet room: bundles and session updates from the hub (format, checks, the
// gateway's sync part) and what the hub-side tools need to build and read them.
export { FleetSync, bundleFile, sessionsFile, type FleetSyncOptions, type FleetCounters, type FleetHub, type FleetDirectory } from './fleet-sync.js';
export { decodeBundle, encodeBundle, makeEnvelope, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleContent, type OpenedBundle, type DecodeContext } from './bundle-format.js';
export { checkBundleContent, type ContentCheck } from './bundle-validation.js';
export { makeSessionMessage, decodeSessionMessage, type SessionMessageInput } from './session-update.js';
export { parseFleetState, type FleetState } from './fleet-state.js';
export { newEd25519KeyPair, sha256Of } from './signing.js';
export { newX25519KeyPair, seal } from './sealed.js';
export { HandedSessions } from './handed-sessions.js';
export { fleetKeys } from './keys.js';
