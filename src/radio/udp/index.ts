// Public surface of the Semtech UDP (GWMP) radio source.
export { UdpSource, UdpSourceError } from './udp-source.js';
export type {
  DownlinkTarget,
  FrameOrigin,
  StatReport,
  UdpFrameHandler,
  UdpSourceErrorCode,
  UdpSourceOptions,
} from './udp-source.js';
export { parseDatagram, buildPushAck, buildPullAck, buildPullResp, DATAGRAM_FAILURE_REASONS } from './datagram.js';
export type { DatagramFailureReason, DatagramParseResult, GatewayPacket } from './datagram.js';
export { rxpkToRadioFrame, RXPK_FAILURE_REASONS } from './rxpk.js';
export type { RxpkFailureReason, RxpkResult } from './rxpk.js';
export { parseGatewayStat } from './stat.js';
export type { GatewayStat, StatParseResult } from './stat.js';
export { parseLoraDatr, formatLoraDatr } from './datr.js';
export { buildTxpk, tmstAfter, txStatusFromTxAck } from './txpk.js';
export type { Txpk, TxpkResult } from './txpk.js';
export { parseHostPort } from './bind-address.js';
export type { ProtocolVersion } from './gwmp.js';
