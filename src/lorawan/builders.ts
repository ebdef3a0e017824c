// Frame builders for simulated end devices and for the downlink path. Each returns the bytes
// as sent on air (FRMPayload encrypted, join accept encrypted, MIC set).
import { aesDecryptBlocks } from './aes.js';
import { checkRange, toEui, toKey, toUint, writeUintLE, type KeyInput } from './bytes.js';
import { LoRaWANError } from './errors.js';
import { checkFCnt32 } from './fcnt-check.js';
import { cryptFrmPayload } from './frm-crypto.js';
import { dataMic, joinAcceptMic, joinRequestMic } from './mic.js';
import { MTYPE_CODE } from './mtype.js';

/** Largest PHYPayload a LoRa packet can carry. */
export const MAX_PHY_PAYLOAD_LENGTH = 255;

interface DataFrameInput {
  /** Number or hex MSB first. */
  devAddr: number | string;
  /** Full 32-bit counter; the low 16 bits go on air, all 32 enter MIC and encryption. */
  fCnt32: number;
  /** Omit (or null) for a frame without FPort; required when `payload` is non-empty. */
  fPort?: number | null;
  /** Clear-text FRMPayload. */
  payload?: Uint8Array;
  /** MAC commands piggy-backed in FOpts (at most 15 bytes, sent in clear in 1.0.x). */
  fOpts?: Uint8Array;
  adr?: boolean;
  ack?: boolean;
  nwkSKey: KeyInput;
  /** Needed when there is a payload on FPort > 0. */
  appSKey?: KeyInput;
}

export interface DataUplinkInput extends DataFrameInput {
  mType?: 'UnconfirmedDataUp' | 'ConfirmedDataUp';
  adrAckReq?: boolean;
  classB?: boolean;
}

export interface DataDownlinkInput extends DataFrameInput {
  mType?: 'UnconfirmedDataDown' | 'ConfirmedDataDown';
  fPending?: boolean;
}

export function buildDataUplink(input: DataUplinkInput): Buffer {
  const mType = input.mType ?? 'UnconfirmedDataUp';
  if (mType !== 'UnconfirmedDataUp' && mType !== 'ConfirmedDataUp') {
    throw new LoRaWANError('wrong_mtype', `buildDataUplink cannot build ${String(mType)}`);
  }
  const flags = (input.adrAckReq ? 0x40 : 0) | (input.classB ? 0x10 : 0);
  return buildData(input, MTYPE_CODE[mType], true, flags);
}

export function buildDataDownlink(input: DataDownlinkInput): Buffer {
  const mType = input.mType ?? 'UnconfirmedDataDown';
  if (mType !== 'UnconfirmedDataDown' && mType !== 'ConfirmedDataDown') {
    throw new LoRaWANError('wrong_mtype', `buildDataDownlink cannot build ${String(mType)}`);
  }
  return buildData(input, MTYPE_CODE[mType], false, input.fPending ? 0x10 : 0);
}

function buildData(input: DataFrameInput, mTypeCode: number, uplink: boolean, dirFlags: number): Buffer {
  const devAddr = toUint(input.devAddr, 4, 'devAddr');
  checkFCnt32(input.fCnt32);
  const fOpts = input.fOpts ?? new Uint8Array(0);
  if (fOpts.length > 15) throw new LoRaWANError('bad_field', `FOpts holds at most 15 bytes, got ${fOpts.length}`);
  const payload = input.payload ?? new Uint8Array(0);
  const fPort = input.fPort ?? null;
  if (fPort === null && payload.length > 0) {
    throw new LoRaWANError('bad_field', 'a non-empty payload needs an FPort');
  }
  if (fPort !== null) checkRange(fPort, 0, 255, 'fPort');
  if (fPort === 0 && fOpts.length > 0) {
    throw new LoRaWANError('fport0_with_fopts', 'FPort 0 carries MAC commands in FRMPayload, so FOpts must be empty');
  }
  const nwkSKey = toKey(input.nwkSKey, 'NwkSKey');

  const headerLen = 8 + fOpts.length;
  const payloadStart = headerLen + (fPort === null ? 0 : 1);
  const total = payloadStart + payload.length + 4;
  if (total > MAX_PHY_PAYLOAD_LENGTH) {
    throw new LoRaWANError('too_long', `frame would be ${total} bytes, at most ${MAX_PHY_PAYLOAD_LENGTH}`);
  }
  const out = Buffer.alloc(total);
  out[0] = mTypeCode << 5;
  out.writeUInt32LE(devAddr, 1);
  out[5] = (input.adr ? 0x80 : 0) | (input.ack ? 0x20 : 0) | dirFlags | fOpts.length;
  out.writeUInt16LE(input.fCnt32 % 0x10000, 6);
  out.set(fOpts, 8);
  if (fPort !== null) {
    out[headerLen] = fPort;
    if (payload.length > 0) {
      const key = fPort === 0 ? nwkSKey : toKey(input.appSKey, 'AppSKey');
      out.set(cryptFrmPayload(key, uplink, devAddr, input.fCnt32, payload), payloadStart);
    }
  }
  const micStart = total - 4;
  out.set(dataMic(nwkSKey, uplink, devAddr, input.fCnt32, out.subarray(0, micStart)), micStart);
  return out;
}

export interface JoinRequestInput {
  /** JoinEUI (AppEUI), MSB first: 16 hex digits or 8 bytes. */
  joinEui: string | Uint8Array;
  devEui: string | Uint8Array;
  devNonce: number;
  appKey: KeyInput;
}

export function buildJoinRequest(input: JoinRequestInput): Buffer {
  const joinEui = toEui(input.joinEui, 'joinEui');
  const devEui = toEui(input.devEui, 'devEui');
  const devNonce = toUint(input.devNonce, 2, 'devNonce');
  const out = Buffer.alloc(23);
  out[0] = MTYPE_CODE.JoinRequest << 5;
  out.set(joinEui.reverse(), 1);
  out.set(devEui.reverse(), 9);
  writeUintLE(out, 17, devNonce, 2);
  out.set(joinRequestMic(input.appKey, out.subarray(0, 19)), 19);
  return out;
}

export interface JoinAcceptInput {
  appKey: KeyInput;
  joinNonce: number;
  netId: number | string;
  devAddr: number | string;
  rx1DrOffset?: number;
  rx2DataRate?: number;
  /** RxDelay.Del, 0..15 (0 and 1 both mean 1 s). Default 1. */
  rxDelay?: number;
  /** 16 bytes or null/omitted. */
  cfList?: Uint8Array | null;
}

export function buildJoinAccept(input: JoinAcceptInput): Buffer {
  const appKey = toKey(input.appKey, 'AppKey');
  const joinNonce = toUint(input.joinNonce, 3, 'joinNonce');
  const netId = toUint(input.netId, 3, 'netId');
  const devAddr = toUint(input.devAddr, 4, 'devAddr');
  const rx1DrOffset = checkRange(input.rx1DrOffset ?? 0, 0, 7, 'rx1DrOffset');
  const rx2DataRate = checkRange(input.rx2DataRate ?? 0, 0, 15, 'rx2DataRate');
  const rxDelay = checkRange(input.rxDelay ?? 1, 0, 15, 'rxDelay');
  const cfList = input.cfList ?? null;
  if (cfList !== null && cfList.length !== 16) {
    throw new LoRaWANError('bad_length', `CFList must be 16 bytes, got ${cfList.length}`);
  }
  const plain = Buffer.alloc(cfList === null ? 17 : 33);
  plain[0] = MTYPE_CODE.JoinAccept << 5;
  writeUintLE(plain, 1, joinNonce, 3);
  writeUintLE(plain, 4, netId, 3);
  plain.writeUInt32LE(devAddr, 7);
  plain[11] = (rx1DrOffset << 4) | rx2DataRate;
  plain[12] = rxDelay;
  if (cfList !== null) plain.set(cfList, 13);
  const micStart = plain.length - 4;
  plain.set(joinAcceptMic(appKey, plain.subarray(0, micStart)), micStart);
  const out = Buffer.alloc(plain.length);
  out[0] = plain[0];
  out.set(aesDecryptBlocks(appKey, plain.subarray(1)), 1);
  return out;
}
