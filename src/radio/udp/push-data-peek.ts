// Just enough of a PUSH_DATA to turn it away at a closed door without parsing its JSON: the header
// (to acknowledge it) and how many rxpk it carries. A datagram that also carries a `stat` is left to
// the full parser (the stat is kept; only its rxpk are refused), as is anything that is not a
// well-formed PUSH_DATA header (it is counted as malformed there).
import { GATEWAY_HEADER_LENGTH, PacketType, isProtocolVersion, type ProtocolVersion } from './gwmp.js';

export interface PushDataPeek {
  version: ProtocolVersion;
  token: number;
  /** rxpk entries, counted as `"data"` keys: only rxpk objects have one, and base64 holds no quote. */
  frames: number;
}

const RXPK_KEY = Buffer.from('"rxpk"');
const STAT_KEY = Buffer.from('"stat"');
const DATA_KEY = Buffer.from('"data"');

/** rxpk entries have a `"stat"` too (their CRC status, a number); the gateway's stat is an object. */
function carriesStatObject(buf: Buffer): boolean {
  for (let at = buf.indexOf(STAT_KEY, GATEWAY_HEADER_LENGTH); at >= 0; at = buf.indexOf(STAT_KEY, at + STAT_KEY.length)) {
    let i = at + STAT_KEY.length;
    while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x3a)) i += 1;
    if (buf[i] === 0x7b) return true;
  }
  return false;
}

/** A PUSH_DATA with rxpk and without stat, else null (handle it the normal way). */
export function peekPushData(buf: Buffer): PushDataPeek | null {
  if (buf.length <= GATEWAY_HEADER_LENGTH || buf[3] !== PacketType.PUSH_DATA) return null;
  const version = buf[0];
  if (!isProtocolVersion(version)) return null;
  const rxpkAt = buf.indexOf(RXPK_KEY, GATEWAY_HEADER_LENGTH);
  if (rxpkAt < 0 || carriesStatObject(buf)) return null;
  let frames = 0;
  for (let at = buf.indexOf(DATA_KEY, rxpkAt); at >= 0; at = buf.indexOf(DATA_KEY, at + DATA_KEY.length)) frames += 1;
  if (frames === 0) return null;
  return { version, token: buf.readUInt16BE(1), frames };
}
