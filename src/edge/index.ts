// Public API of edge mode (OTAA joins at the gateway, confirmed-uplink ACKs, device commands).
export { EdgeMode, MAX_CLASS_A_ATTEMPTS, type EdgeModeOptions, type EdgeCounters, type EdgeDirectory, type EdgeTransmitGate } from './edge-mode.js';
export { edgeSettings, type EdgeSettings } from './settings.js';
export { parseDeviceCommand, type DeviceCommand, type CommandParse } from './device-command.js';
export type { DeviceAckEvent, DeviceAckStatus } from './device-ack.js';
export { EdgeConfigError, EdgeStateError } from './errors.js';
