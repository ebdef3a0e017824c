// Public API of the user-codec sandbox (see docs/codec-sandbox.md).

export { loadUserCodec, loadUserCodecFromSource, type UserCodec, type UserCodecOptions } from './user-codec.js';
export { CodecLoadError, type CodecLoadFailure, type CodecFailureReason } from './errors.js';
export type { EncodeOutcome } from './outcome.js';
export type { SandboxDownlinkInput, DownlinkBytesInput } from './input.js';
export type { CodecForm } from './protocol.js';
export { sharedSandboxEngine, type EngineInfo } from './engine.js';
