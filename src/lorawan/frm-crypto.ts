// FRMPayload encryption (LoRaWAN 1.0.x section 4.3.3): XOR with the AES-ECB keystream of the
// blocks Ai = 01 | 4 x 00 | Dir | DevAddr LE | FCnt32 LE | 00 | i, i = 1..k. The same
// operation encrypts and decrypts.
import { aesContext } from './aes.js';
import { toKey, type KeyInput } from './bytes.js';
import { checkFCnt32, checkFCntMatches } from './fcnt-check.js';
import type { DataFrame } from './phy-payload.js';

let blocks = Buffer.alloc(256);

/** Encrypts or decrypts `data` for a frame of this direction, address and 32-bit counter. */
export function cryptFrmPayload(key: KeyInput, uplink: boolean, devAddr: number, fCnt32: number, data: Uint8Array): Buffer {
  checkFCnt32(fCnt32);
  return xorKeystream(toKey(key, 'payload key'), uplink, devAddr, fCnt32, data, 0, data.length);
}

/**
 * The frame's FRMPayload in clear. Pass the AppSKey, or the NwkSKey when `frame.fPort === 0`
 * (MAC commands). A frame without FPort gives an empty buffer.
 */
export function decryptFrmPayload(frame: DataFrame, key: KeyInput, fCnt32: number = frame.fCnt): Buffer {
  checkFCntMatches(fCnt32, frame.fCnt);
  const k = toKey(key, 'payload key');
  const start = frame.frmPayloadStart;
  const end = frame.bytes.length - 4;
  return xorKeystream(k, frame.uplink, frame.devAddr, fCnt32, frame.bytes, Math.min(start, end), end);
}

function xorKeystream(
  key: Buffer,
  uplink: boolean,
  devAddr: number,
  fCnt32: number,
  data: Uint8Array,
  start: number,
  end: number,
): Buffer {
  const len = end - start;
  if (len <= 0) return Buffer.alloc(0);
  const count = Math.ceil(len / 16);
  if (blocks.length < count * 16) blocks = Buffer.alloc(count * 32);
  const a = blocks;
  for (let i = 0; i < count; i++) {
    const o = i * 16;
    a[o] = 0x01;
    a[o + 1] = 0;
    a[o + 2] = 0;
    a[o + 3] = 0;
    a[o + 4] = 0;
    a[o + 5] = uplink ? 0 : 1;
    a.writeUInt32LE(devAddr >>> 0, o + 6);
    a.writeUInt32LE(fCnt32, o + 10);
    a[o + 14] = 0;
    a[o + 15] = (i + 1) & 0xff;
  }
  const stream = aesContext(key).ecb.update(a.subarray(0, count * 16));
  for (let i = 0; i < len; i++) stream[i] ^= data[start + i];
  return stream.subarray(0, len);
}
