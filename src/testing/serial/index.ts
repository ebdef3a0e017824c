// Serial device simulators (for tests, benchmarks and `lora-edge simulate serial`).
export {
  startSerialSimulator,
  defaultPayload,
  type SerialSimulator,
  type SerialSimulatorOptions,
  type SerialSimulatorFaults,
  type SerialSimulatorStats,
  type EmittedPacket,
  type TransmittedFrame,
} from './simulator.js';
export { startPtyPair, socatInstalled, type PtyPair, type PtyPairOptions } from './pty-pair.js';
export { Semtech2g4Device, type Semtech2g4Transmission } from './semtech-2g4-device.js';
export { LoraE5Device, Rak3172Device, Rn2483Device, createAtDevice, type AtDeviceModel, type AtTransmission } from './at-devices.js';
