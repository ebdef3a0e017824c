// Shared wire facts of the Semtech UDP packet-forwarder protocol (GWMP): the 4-byte header
// every datagram starts with, the 8-byte gateway EUI, and JSON body decoding. No I/O.

/** Protocol versions we accept and emit. Version 1 predates TX_ACK; the layout is otherwise the same. */
export type ProtocolVersion = 1 | 2;

export const PacketType = {
  PUSH_DATA: 0x00,
  PUSH_ACK: 0x01,
  PULL_DATA: 0x02,
  PULL_RESP: 0x03,
  PULL_ACK: 0x04,
  TX_ACK: 0x05,
} as const;
export type PacketTypeName = keyof typeof PacketType;

/** version(1) + token(2) + type(1). */
export const HEADER_LENGTH = 4;
export const EUI_LENGTH = 8;
/** Header plus gateway EUI: where the JSON body of gateway-sent datagrams starts. */
export const GATEWAY_HEADER_LENGTH = HEADER_LENGTH + EUI_LENGTH;

export function isProtocolVersion(v: unknown): v is ProtocolVersion {
  return v === 1 || v === 2;
}

export function packetTypeName(type: number): PacketTypeName | undefined {
  for (const [name, value] of Object.entries(PacketType)) if (value === type) return name as PacketTypeName;
  return undefined;
}

function checkVersionAndToken(version: number, token: number): void {
  if (!isProtocolVersion(version)) throw new RangeError(`GWMP version must be 1 or 2, got ${version}`);
  if (!Number.isInteger(token) || token < 0 || token > 0xffff) {
    throw new RangeError(`GWMP token must be an integer 0..65535, got ${token}`);
  }
}

/** The 4-byte header; tokens travel big-endian so a number read back equals the one written. */
export function encodeHeader(version: ProtocolVersion, token: number, type: number): Buffer {
  checkVersionAndToken(version, token);
  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = version;
  header.writeUInt16BE(token, 1);
  header[3] = type;
  return header;
}

/** Lower-case 16-digit hex, the form used in logs, MQTT topics and config. */
export function euiToHex(buf: Buffer, offset = 0): string {
  return buf.toString('hex', offset, offset + EUI_LENGTH);
}

export function euiFromHex(eui: string): Buffer {
  const clean = eui.replace(/[-:]/g, '');
  if (!/^[0-9a-fA-F]{16}$/.test(clean)) throw new TypeError(`gateway EUI must be 16 hex digits, got "${eui}"`);
  return Buffer.from(clean, 'hex');
}

export type JsonBodyResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: 'bad_json' | 'not_object'; detail: string };

/**
 * Decodes a JSON object body. Trailing NUL bytes are tolerated because some forwarders send the
 * C string terminator along with the JSON.
 */
export function decodeJsonObject(body: Buffer): JsonBodyResult {
  let end = body.length;
  while (end > 0 && body[end - 1] === 0) end--;
  const text = body.toString('utf8', 0, end);
  if (text.trim() === '') return { ok: false, reason: 'bad_json', detail: 'empty JSON body' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'bad_json', detail: (err as Error).message };
  }
  if (!isPlainObject(value)) {
    return { ok: false, reason: 'not_object', detail: `JSON root is ${describeJsonType(value)}, expected an object` };
  }
  return { ok: true, value };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
