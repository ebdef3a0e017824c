// Public surface of the serial radio sources.
export { SerialSource, SERIAL_DRIVERS, type SerialDriverName, type SerialSourceOptions } from './serial-source.js';
export { SerialTransport, type SerialTransportOptions, type TransportState } from './transport.js';
export { Waitress } from './waitress.js';
export { LineFramer } from './line-framer.js';
export { Semtech2g4Framer, encodeFrame, type Semtech2g4Frame } from './semtech-2g4/framer.js';
export { ISM2400_DEFAULT_CHANNELS, resolveChannels, type Semtech2g4ChannelConfig } from './semtech-2g4/channels.js';
export { AT_DIALECTS } from './at/dialects.js';
export type { AtDialect, AtDriverName, AtLine } from './at/dialect.js';
export * from './errors.js';
export type { SerialCounters } from './session.js';
