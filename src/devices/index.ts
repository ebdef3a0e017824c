// Public API of the device layer: profiles, the registry, frame-counter state and the resolver.
export {
  DeviceDirectory,
  type DeviceDirectoryOptions,
  type DirectoryCounters,
  type DirectoryOutcome,
  type ReloadResult,
  type RegistryStatus,
} from './device-directory.js';
export { loadDeviceFiles, type DeviceFiles, type DeviceFilesOptions } from './device-files.js';
export {
  loadProfiles,
  loadProfileDir,
  parseProfile,
  formatProfileProblem,
  shippedProfilesDir,
  builtinCodecIds,
  isCodecPath,
  type DeviceProfile,
  type ProfileProblem,
  type ProfileSet,
  type CodecRef,
} from './profiles.js';
export {
  parseRegistry,
  readRegistryFile,
  formatRegistryProblem,
  type Activation,
  type RegistryEntry,
  type RegistryProblem,
  type RegistryParseResult,
} from './registry.js';
export { FCntStore } from './fcnt-store.js';
export { DeviceStateError, DeviceStateLockedError, RegistryLoadError } from './errors.js';
export { loadDeviceCodecs, codecName, type DeviceCodec } from './device-codecs.js';
export type { NetworkSession, SessionProvider } from './session-provider.js';
export type { IndexedDevice, AbpDevice, OtaaDevice } from './device-index.js';
export type { CommandInput, CommandEncoding } from './device-codecs.js';
export type { DeviceOutcome, DeviceResolver, RecordDevice, RecordDecoded } from './outcome.js';
