// Gateway side of GWMP, for the packet-forwarder simulator and tests: build PUSH_DATA, PULL_DATA
// and TX_ACK, and parse what a server answers (PUSH_ACK, PULL_ACK, PULL_RESP). Pure functions.

import {
  HEADER_LENGTH,
  PacketType,
  decodeJsonObject,
  encodeHeader,
  encodeJson,
  euiFromHex,
  isProtocolVersion,
  packetTypeName,
  type ProtocolVersion,
} from './gwmp.js';

export function buildPushData(version: ProtocolVersion, token: number, gatewayEui: string, json: object): Buffer {
  return Buffer.concat([encodeHeader(version, token, PacketType.PUSH_DATA), euiFromHex(gatewayEui), encodeJson(json)]);
}

export function buildPullData(version: ProtocolVersion, token: number, gatewayEui: string): Buffer {
  return Buffer.concat([encodeHeader(version, token, PacketType.PULL_DATA), euiFromHex(gatewayEui)]);
}

export interface TxAckDetails {
  error?: string;
  warn?: string;
  value?: string | number;
}

/** Without details the datagram carries no JSON, which the protocol defines as "no error". */
export function buildTxAck(version: ProtocolVersion, token: number, gatewayEui: string, details?: TxAckDetails): Buffer {
  const parts = [encodeHeader(version, token, PacketType.TX_ACK), euiFromHex(gatewayEui)];
  if (details) parts.push(encodeJson({ txpk_ack: details }));
  return Buffer.concat(parts);
}

export type ServerPacket =
  | { type: 'PUSH_ACK'; version: ProtocolVersion; token: number }
  | { type: 'PULL_ACK'; version: ProtocolVersion; token: number }
  | { type: 'PULL_RESP'; version: ProtocolVersion; token: number; txpk: Record<string, unknown> };

export type ServerParseResult = { ok: true; packet: ServerPacket } | { ok: false; reason: string; detail: string };

export function parseServerDatagram(buf: Buffer): ServerParseResult {
  if (buf.length < HEADER_LENGTH) return { ok: false, reason: 'too_short', detail: `${buf.length} bytes` };
  const version = buf[0];
  if (!isProtocolVersion(version)) return { ok: false, reason: 'bad_version', detail: `version ${version}` };
  const token = buf.readUInt16BE(1);
  const name = packetTypeName(buf[3]);
  if (name === 'PUSH_ACK') return { ok: true, packet: { type: 'PUSH_ACK', version, token } };
  if (name === 'PULL_ACK') return { ok: true, packet: { type: 'PULL_ACK', version, token } };
  if (name !== 'PULL_RESP') return { ok: false, reason: 'unexpected_type', detail: `type 0x${buf[3].toString(16)}` };
  const json = decodeJsonObject(buf.subarray(HEADER_LENGTH));
  if (!json.ok) return { ok: false, reason: json.reason, detail: json.detail };
  const txpk = json.value.txpk;
  if (typeof txpk !== 'object' || txpk === null || Array.isArray(txpk)) {
    return { ok: false, reason: 'bad_txpk', detail: 'PULL_RESP without a txpk object' };
  }
  return { ok: true, packet: { type: 'PULL_RESP', version, token, txpk: txpk as Record<string, unknown> } };
}
