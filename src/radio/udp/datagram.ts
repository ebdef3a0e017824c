// Server side of GWMP: parse what a gateway sends (PUSH_DATA, PULL_DATA, TX_ACK) and build what
// the server answers (PUSH_ACK, PULL_ACK, PULL_RESP). Pure functions, no I/O.
//
// rxpk entries are returned raw: each is converted on its own with rxpkToRadioFrame, so one bad
// entry never costs the good ones in the same datagram.

import {
  GATEWAY_HEADER_LENGTH,
  HEADER_LENGTH,
  PacketType,
  decodeJsonObject,
  describeJsonType,
  encodeHeader,
  encodeJson,
  euiToHex,
  isPlainObject,
  isProtocolVersion,
  packetTypeName,
  type ProtocolVersion,
} from './gwmp.js';
import { quote } from '../../bounded-text.js';
import { parseGatewayStat, type StatParseResult } from './stat.js';

export type DatagramFailureReason =
  | 'too_short'
  | 'bad_version'
  | 'unknown_type'
  | 'unexpected_type'
  | 'bad_json'
  | 'not_object'
  | 'bad_rxpk'
  | 'bad_txpk_ack';

export const DATAGRAM_FAILURE_REASONS: readonly DatagramFailureReason[] = [
  'too_short',
  'bad_version',
  'unknown_type',
  'unexpected_type',
  'bad_json',
  'not_object',
  'bad_rxpk',
  'bad_txpk_ack',
];

interface GatewayPacketBase {
  version: ProtocolVersion;
  token: number;
  /** Lower-case hex, 16 digits. */
  gatewayEui: string;
}

export interface PushDataPacket extends GatewayPacketBase {
  type: 'PUSH_DATA';
  /** Raw rxpk entries, empty when the datagram carried none. */
  rxpk: unknown[];
  /** Present when the datagram carried a `stat` object (or something in its place). */
  stat?: StatParseResult;
}

export interface PullDataPacket extends GatewayPacketBase {
  type: 'PULL_DATA';
}

export interface TxAckPacket extends GatewayPacketBase {
  type: 'TX_ACK';
  /** null when the downlink was accepted: no JSON, no `error`, or error "NONE". */
  error: string | null;
  warn?: string;
  value?: string | number;
}

export type GatewayPacket = PushDataPacket | PullDataPacket | TxAckPacket;

export type DatagramParseResult =
  | { ok: true; packet: GatewayPacket }
  | { ok: false; reason: DatagramFailureReason; detail: string };

const fail = (reason: DatagramFailureReason, detail: string): DatagramParseResult => ({ ok: false, reason, detail });

export function parseDatagram(buf: Buffer): DatagramParseResult {
  if (buf.length < HEADER_LENGTH) return fail('too_short', `${buf.length} bytes, a GWMP header needs ${HEADER_LENGTH}`);
  const version = buf[0];
  if (!isProtocolVersion(version)) return fail('bad_version', `protocol version ${version}, expected 1 or 2`);
  const token = buf.readUInt16BE(1);
  const type = buf[3];
  const name = packetTypeName(type);
  if (name === undefined) return fail('unknown_type', `packet type 0x${type.toString(16).padStart(2, '0')} is not GWMP`);
  if (name !== 'PUSH_DATA' && name !== 'PULL_DATA' && name !== 'TX_ACK') {
    return fail('unexpected_type', `${name} is sent by servers, not gateways`);
  }
  if (buf.length < GATEWAY_HEADER_LENGTH) {
    return fail('too_short', `${name} of ${buf.length} bytes, needs at least ${GATEWAY_HEADER_LENGTH} (header + EUI)`);
  }
  const base = { version, token, gatewayEui: euiToHex(buf, HEADER_LENGTH) };
  const body = buf.subarray(GATEWAY_HEADER_LENGTH);

  if (name === 'PULL_DATA') return { ok: true, packet: { type: 'PULL_DATA', ...base } };
  if (name === 'TX_ACK') return parseTxAck(base, body);
  return parsePushData(base, body);
}

function parsePushData(base: GatewayPacketBase, body: Buffer): DatagramParseResult {
  const json = decodeJsonObject(body);
  if (!json.ok) return fail(json.reason, `PUSH_DATA: ${json.detail}`);
  const root = json.value;
  let rxpk: unknown[] = [];
  if (root.rxpk !== undefined) {
    if (!Array.isArray(root.rxpk)) return fail('bad_rxpk', `PUSH_DATA: rxpk is ${describeJsonType(root.rxpk)}, expected an array`);
    rxpk = root.rxpk;
  }
  const packet: PushDataPacket = { type: 'PUSH_DATA', ...base, rxpk };
  if (root.stat !== undefined) packet.stat = parseGatewayStat(root.stat);
  return { ok: true, packet };
}

function parseTxAck(base: GatewayPacketBase, body: Buffer): DatagramParseResult {
  const packet: TxAckPacket = { type: 'TX_ACK', ...base, error: null };
  if (body.every((b) => b === 0)) return { ok: true, packet };
  const json = decodeJsonObject(body);
  if (!json.ok) return fail(json.reason, `TX_ACK: ${json.detail}`);
  const ack = json.value.txpk_ack;
  if (ack === undefined) return { ok: true, packet };
  if (!isPlainObject(ack)) return fail('bad_txpk_ack', `TX_ACK: txpk_ack is ${describeJsonType(ack)}, expected an object`);
  if (ack.error !== undefined) {
    if (typeof ack.error !== 'string') return fail('bad_txpk_ack', `TX_ACK: error must be a string, got ${quote(ack.error)}`);
    if (ack.error !== 'NONE' && ack.error !== '') packet.error = ack.error;
  }
  if (typeof ack.warn === 'string') packet.warn = ack.warn;
  if (typeof ack.value === 'string' || typeof ack.value === 'number') packet.value = ack.value;
  return { ok: true, packet };
}

export function buildPushAck(version: ProtocolVersion, token: number): Buffer {
  return encodeHeader(version, token, PacketType.PUSH_ACK);
}

export function buildPullAck(version: ProtocolVersion, token: number): Buffer {
  return encodeHeader(version, token, PacketType.PULL_ACK);
}

/** `txpk` is sent as given inside `{"txpk": ...}`; building it from a downlink is the caller's job. */
export function buildPullResp(version: ProtocolVersion, token: number, txpk: object): Buffer {
  return Buffer.concat([encodeHeader(version, token, PacketType.PULL_RESP), encodeJson({ txpk })]);
}
