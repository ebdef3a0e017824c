// Public API of the pure LoRaWAN 1.0.x module (no I/O; node:crypto only).
export { LoRaWANError, type LoRaWANErrorCode } from './errors.js';
export type { KeyInput } from './bytes.js';
export { MTYPE_NAMES, type MTypeName, type DataMTypeName } from './mtype.js';
export { aesCmac } from './cmac.js';
export {
  parsePhyPayload,
  DataFrame,
  type PhyPayload,
  type JoinRequestFrame,
  type JoinAcceptFrame,
  type RejoinRequestFrame,
  type ProprietaryFrame,
} from './phy-payload.js';
export { dataMic, verifyDataMic, joinRequestMic, verifyJoinRequestMic, joinAcceptMic } from './mic.js';
export { cryptFrmPayload, decryptFrmPayload } from './frm-crypto.js';
export {
  decryptJoinAccept,
  deriveSessionKeys,
  cfListFrequencies,
  type JoinAcceptFields,
  type SessionKeys,
} from './join.js';
export { fullFCnt, MAX_FCNT_GAP } from './fcnt.js';
export { DedupCache, type DedupOptions } from './dedup.js';
export {
  buildDataUplink,
  buildDataDownlink,
  buildJoinRequest,
  buildJoinAccept,
  MAX_PHY_PAYLOAD_LENGTH,
  type DataUplinkInput,
  type DataDownlinkInput,
  type JoinRequestInput,
  type JoinAcceptInput,
} from './builders.js';
export { describeFrame, type DescribeOptions, type FrameDescription } from './describe.js';
export { parseHexOrBase64 } from './encoding.js';
