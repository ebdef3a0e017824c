// Message integrity codes: the first 4 bytes of an AES-CMAC (LoRaWAN 1.0.x section 4.4 / 6.2.4-5).
import { aesContext } from './aes.js';
import { cmacTag } from './cmac.js';
import { asBuffer, equalBytes, toKey, type KeyInput } from './bytes.js';
import { LoRaWANError } from './errors.js';
import { checkFCnt32, checkFCntMatches } from './fcnt-check.js';
import type { DataFrame, JoinRequestFrame } from './phy-payload.js';

const b0 = Buffer.alloc(16);

/** B0 = 0x49 | 4 x 00 | Dir | DevAddr LE | FCnt32 LE | 00 | len(msg). */
function fillB0(uplink: boolean, devAddr: number, fCnt32: number, msgLen: number): Buffer {
  b0[0] = 0x49;
  b0[5] = uplink ? 0 : 1;
  b0.writeUInt32LE(devAddr >>> 0, 6);
  b0.writeUInt32LE(fCnt32, 10);
  b0[14] = 0;
  b0[15] = msgLen;
  return b0;
}

/**
 * MIC of a data frame: `msg` is MHDR..FRMPayload (the frame without its MIC). Returns 4 bytes.
 */
export function dataMic(nwkSKey: KeyInput, uplink: boolean, devAddr: number, fCnt32: number, msg: Uint8Array): Buffer {
  checkFCnt32(fCnt32);
  if (msg.length > 255) throw new LoRaWANError('too_long', `MIC input is ${msg.length} bytes, at most 255`);
  const ctx = aesContext(toKey(nwkSKey, 'NwkSKey'));
  return Buffer.from(cmacTag(ctx, fillB0(uplink, devAddr, fCnt32, msg.length), msg, 0, msg.length).subarray(0, 4));
}

/** True when the frame's MIC matches under `nwkSKey` and the full 32-bit counter (default: the 16 bits on air). */
export function verifyDataMic(frame: DataFrame, nwkSKey: KeyInput, fCnt32: number = frame.fCnt): boolean {
  const { tag, micStart } = frameCmac(frame, nwkSKey, 'NwkSKey', fCnt32);
  return equalBytes(tag, 0, frame.bytes, micStart, 4);
}

/** The CMAC over B0 | the frame without its MIC, and where the MIC starts. */
function frameCmac(frame: DataFrame, key: KeyInput, keyName: string, fCnt32: number): { tag: Uint8Array; micStart: number } {
  checkFCntMatches(fCnt32, frame.fCnt);
  const micStart = frame.bytes.length - 4;
  const ctx = aesContext(toKey(key, keyName));
  return { tag: cmacTag(ctx, fillB0(frame.uplink, frame.devAddr, fCnt32, micStart), frame.bytes, 0, micStart), micStart };
}

/** Join request MIC over MHDR | JoinEUI | DevEUI | DevNonce (the first 19 bytes). */
export function joinRequestMic(appKey: KeyInput, msg: Uint8Array): Buffer {
  const ctx = aesContext(toKey(appKey, 'AppKey'));
  return Buffer.from(cmacTag(ctx, null, msg, 0, msg.length).subarray(0, 4));
}

export function verifyJoinRequestMic(frame: JoinRequestFrame, appKey: KeyInput): boolean {
  const ctx = aesContext(toKey(appKey, 'AppKey'));
  const tag = cmacTag(ctx, null, frame.bytes, 0, 19);
  return equalBytes(tag, 0, frame.bytes, 19, 4);
}

/** Join accept MIC over MHDR | JoinNonce | NetID | DevAddr | DLSettings | RxDelay [| CFList], in plaintext. */
export function joinAcceptMic(appKey: KeyInput, msg: Uint8Array): Buffer {
  const ctx = aesContext(toKey(appKey, 'AppKey'));
  return Buffer.from(cmacTag(ctx, null, asBuffer(msg), 0, msg.length).subarray(0, 4));
}


/**
 * LoRaWAN 1.1 uplink: MIC = cmacS[0..1] | cmacF[0..1]. cmacF (FNwkSIntKey over B0 | msg, B0 as in
 * 1.0) is the half a receiver can check without the uplink's TxDr/TxCh and ConfFCnt, which cmacS
 * also covers; a gateway decoding a handed-over 1.1 session checks this half (16 bits).
 */
export function verifyDataMicF11(frame: DataFrame, fNwkSIntKey: KeyInput, fCnt32: number = frame.fCnt): boolean {
  const { tag, micStart } = frameCmac(frame, fNwkSIntKey, 'FNwkSIntKey', fCnt32);
  return equalBytes(tag, 0, frame.bytes, micStart + 2, 2);
}
