// OTAA join accept handling (LoRaWAN 1.0.x section 6.2.5). The network encrypts the accept with
// AES *decrypt*, so the receiver recovers it with AES *encrypt*; the MIC sits inside the
// encrypted part and is computed over the plaintext.
import { aesContext } from './aes.js';
import { cmacTag } from './cmac.js';
import { asBuffer, equalBytes, hexOfUint, readUintLE, toKey, toUint, writeUintLE, type KeyInput } from './bytes.js';
import { LoRaWANError } from './errors.js';
import { MAJOR_LORAWAN_R1, MTYPE_CODE } from './mtype.js';
import { JOIN_ACCEPT_LENGTH, JOIN_ACCEPT_WITH_CFLIST_LENGTH, type JoinAcceptFrame } from './phy-payload.js';

export interface JoinAcceptFields {
  /** JoinNonce (AppNonce in 1.0.x), as the little-endian 24-bit number on air. */
  joinNonce: number;
  netId: number;
  /** NetID hex, MSB first (6 digits). */
  netIdHex: string;
  devAddr: number;
  devAddrHex: string;
  /** Raw DLSettings byte. */
  dlSettings: number;
  rx1DrOffset: number;
  rx2DataRate: number;
  /** Raw RxDelay.Del value (0 and 1 both mean 1 s). */
  rxDelay: number;
  /** 16 bytes, or null when absent. */
  cfList: Buffer | null;
  /** The decrypted MIC. */
  mic: Buffer;
  micValid: boolean;
}

export interface SessionKeys {
  nwkSKey: Buffer;
  appSKey: Buffer;
}

/** Decrypts a received join accept (the whole PHYPayload, or its parsed frame) with the AppKey. */
export function decryptJoinAccept(input: Uint8Array | JoinAcceptFrame, appKey: KeyInput): JoinAcceptFields {
  const bytes = input instanceof Uint8Array ? asBuffer(input) : input.bytes;
  if (bytes.length < 1) throw new LoRaWANError('too_short', 'join accept is empty');
  if (bytes[0] >>> 5 !== MTYPE_CODE.JoinAccept) throw new LoRaWANError('wrong_mtype', 'not a join accept (MType 1)');
  if ((bytes[0] & 3) !== MAJOR_LORAWAN_R1) throw new LoRaWANError('bad_major', `MHDR major version ${bytes[0] & 3} is not 0`);
  if (bytes.length !== JOIN_ACCEPT_LENGTH && bytes.length !== JOIN_ACCEPT_WITH_CFLIST_LENGTH) {
    throw new LoRaWANError('bad_length', `join accept must be 17 or 33 bytes, got ${bytes.length}`);
  }
  const ctx = aesContext(toKey(appKey, 'AppKey'));
  // plain = MHDR | fields | MIC, so the MIC input is a prefix of it.
  const plain = Buffer.allocUnsafe(bytes.length);
  plain[0] = bytes[0];
  ctx.ecb.update(bytes.subarray(1)).copy(plain, 1);
  const micStart = plain.length - 4;
  const tag = cmacTag(ctx, null, plain, 0, micStart);
  const micValid = equalBytes(tag, 0, plain, micStart, 4);
  const netId = readUintLE(plain, 4, 3);
  const devAddr = plain.readUInt32LE(7);
  const dlSettings = plain[11];
  return {
    joinNonce: readUintLE(plain, 1, 3),
    netId,
    netIdHex: hexOfUint(netId, 3),
    devAddr,
    devAddrHex: hexOfUint(devAddr, 4),
    dlSettings,
    rx1DrOffset: (dlSettings >>> 4) & 0x07,
    rx2DataRate: dlSettings & 0x0f,
    rxDelay: plain[12] & 0x0f,
    cfList: plain.length === JOIN_ACCEPT_WITH_CFLIST_LENGTH ? Buffer.from(plain.subarray(13, 29)) : null,
    mic: Buffer.from(plain.subarray(micStart)),
    micValid,
  };
}

/**
 * NwkSKey = aes128_encrypt(AppKey, 01 | JoinNonce | NetID | DevNonce | pad16) and AppSKey the same
 * with 02, every field in its little-endian wire order.
 */
export function deriveSessionKeys(
  appKey: KeyInput,
  joinNonce: number | string,
  netId: number | string,
  devNonce: number | string,
): SessionKeys {
  const key = toKey(appKey, 'AppKey');
  const jn = toUint(joinNonce, 3, 'joinNonce');
  const nid = toUint(netId, 3, 'netId');
  const dn = toUint(devNonce, 2, 'devNonce');
  const input = Buffer.alloc(32);
  for (const [offset, type] of [
    [0, 0x01],
    [16, 0x02],
  ]) {
    input[offset] = type;
    writeUintLE(input, offset + 1, jn, 3);
    writeUintLE(input, offset + 4, nid, 3);
    writeUintLE(input, offset + 7, dn, 2);
  }
  const out = aesContext(key).ecb.update(input);
  return { nwkSKey: Buffer.from(out.subarray(0, 16)), appSKey: Buffer.from(out.subarray(16, 32)) };
}

/** Decodes CFList type 0 (1.0.2+ regions with dynamic channels): five frequencies in Hz, 0 = unused. */
export function cfListFrequencies(cfList: Uint8Array): number[] {
  if (cfList.length !== 16) throw new LoRaWANError('bad_length', `CFList must be 16 bytes, got ${cfList.length}`);
  const out: number[] = [];
  for (let i = 0; i < 5; i++) out.push(readUintLE(cfList, i * 3, 3) * 100);
  return out;
}

