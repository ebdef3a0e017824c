// The plain JSON view of a frame that `lora-edge frame` prints: hex lowercase, identifiers MSB
// first, and null wherever a value needs a key that was not given.
import { toKey, toUint, type KeyInput } from './bytes.js';
import { decryptFrmPayload } from './frm-crypto.js';
import { decryptJoinAccept, deriveSessionKeys } from './join.js';
import { verifyDataMic, verifyJoinRequestMic } from './mic.js';
import type { MTypeName } from './mtype.js';
import { parsePhyPayload, type DataFrame, type JoinAcceptFrame, type JoinRequestFrame } from './phy-payload.js';

export interface DescribeOptions {
  nwkSKey?: KeyInput;
  appSKey?: KeyInput;
  appKey?: KeyInput;
  /** DevNonce of the join request being answered (number, or hex MSB first); adds session keys to a join accept. */
  devNonce?: number | string;
  /** Full 32-bit FCnt for MIC and decryption of a data frame; defaults to the 16 bits on air. */
  fCnt32?: number;
}

export type FrameDescription = { mType: MTypeName; mic: string | null; micValid: boolean | null } & Record<
  string,
  string | number | boolean | null
>;

/** Parses `bytes` and describes it; throws LoRaWANError when the frame or an option is malformed. */
export function describeFrame(bytes: Uint8Array, opts: DescribeOptions = {}): FrameDescription {
  const frame = parsePhyPayload(bytes);
  switch (frame.kind) {
    case 'data':
      return describeData(frame, opts);
    case 'joinRequest':
      return describeJoinRequest(frame, opts);
    case 'joinAccept':
      return describeJoinAccept(frame, opts);
    case 'rejoinRequest':
      return { mType: frame.mType, body: hex(frame.body), mic: hex(frame.mic), micValid: null };
    case 'proprietary':
      return { mType: frame.mType, body: hex(frame.body), mic: null, micValid: null };
  }
}

function describeData(frame: DataFrame, opts: DescribeOptions): FrameDescription {
  const fCnt32 = opts.fCnt32 ?? frame.fCnt;
  const payloadKey = frame.fPort === 0 ? opts.nwkSKey : opts.appSKey;
  let payload: string | null = null;
  if (frame.fPort !== null && payloadKey !== undefined) payload = hex(decryptFrmPayload(frame, payloadKey, fCnt32));
  return {
    mType: frame.mType,
    devAddr: frame.devAddrHex,
    adr: frame.adr,
    ack: frame.ack,
    fOptsLen: frame.fOptsLen,
    fOpts: hex(frame.fOpts),
    fCnt: frame.fCnt,
    fPort: frame.fPort,
    frmPayload: hex(frame.frmPayload),
    payload,
    mic: hex(frame.mic),
    micValid: opts.nwkSKey === undefined ? null : verifyDataMic(frame, opts.nwkSKey, fCnt32),
  };
}

function describeJoinRequest(frame: JoinRequestFrame, opts: DescribeOptions): FrameDescription {
  return {
    mType: frame.mType,
    joinEui: frame.joinEui,
    devEui: frame.devEui,
    devNonce: frame.devNonce,
    mic: hex(frame.mic),
    micValid: opts.appKey === undefined ? null : verifyJoinRequestMic(frame, opts.appKey),
  };
}

function describeJoinAccept(frame: JoinAcceptFrame, opts: DescribeOptions): FrameDescription {
  if (opts.appKey === undefined) return { mType: frame.mType, mic: hex(frame.mic), micValid: null };
  const appKey = toKey(opts.appKey, 'AppKey');
  const f = decryptJoinAccept(frame, appKey);
  const out: FrameDescription = {
    mType: frame.mType,
    joinNonce: f.joinNonce,
    netId: f.netIdHex,
    devAddr: f.devAddrHex,
    rx1DrOffset: f.rx1DrOffset,
    rx2DataRate: f.rx2DataRate,
    rxDelay: f.rxDelay,
    cfList: f.cfList === null ? null : hex(f.cfList),
    mic: hex(f.mic),
    micValid: f.micValid,
  };
  if (opts.devNonce !== undefined) {
    const keys = deriveSessionKeys(appKey, f.joinNonce, f.netId, toUint(opts.devNonce, 2, 'devNonce'));
    out.nwkSKey = hex(keys.nwkSKey);
    out.appSKey = hex(keys.appSKey);
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
