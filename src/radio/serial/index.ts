// Public surface of the serial radio sources.
export { SerialSource, type SerialSourceOptions } from './serial-source.js';
export { SERIAL_DRIVER_REGISTRY, findSerialDriver, serialDriverNames, type SerialDriverName } from './driver-registry.js';
export type { SerialDriverDefinition } from './serial-driver.js';
export { SerialTransport, type SerialTransportOptions, type TransportState } from './transport.js';
export { systemSerialPorts, type SerialPortAccess, type SerialPortLike } from './serial-port.js';
export { Waitress } from './waitress.js';
export { LineFramer } from './line-framer.js';
export { Semtech2g4Framer, encodeFrame, type Semtech2g4Frame } from './semtech-2g4/framer.js';
export { ISM2400_DEFAULT_CHANNELS, resolveChannels, type Semtech2g4ChannelConfig } from './semtech-2g4/channels.js';
export type { AtDialect, AtLine } from './at/dialect.js';
export * from './errors.js';
export type { SerialCounters } from './session.js';
