// PHYPayload parser for LoRaWAN 1.0.x. Data frames are the hot path (every uplink), so they
// are parsed into a small class holding the input bytes plus a few numbers; byte fields and
// hex strings are views computed on demand.
import { LoRaWANError } from './errors.js';
import { asBuffer, hexOfUint, hexReversed, readUintLE } from './bytes.js';
import { MAJOR_LORAWAN_R1, MTYPE_NAMES, type DataMTypeName } from './mtype.js';

/** MHDR(1) + DevAddr(4) + FCtrl(1) + FCnt(2) + MIC(4). */
export const MIN_DATA_FRAME_LENGTH = 12;
export const JOIN_REQUEST_LENGTH = 23;
export const JOIN_ACCEPT_LENGTH = 17;
export const JOIN_ACCEPT_WITH_CFLIST_LENGTH = 33;
const FHDR_END = 8;

/**
 * A data frame (MType 2..5). Byte fields are views into `bytes` (the caller's buffer): copy
 * them if that buffer is reused.
 */
export class DataFrame {
  readonly kind = 'data' as const;

  constructor(
    /** The whole PHYPayload. */
    readonly bytes: Buffer,
    readonly mType: DataMTypeName,
    readonly uplink: boolean,
    readonly devAddr: number,
    /** Raw FCtrl byte; the named flags below decode it for the frame's direction. */
    readonly fCtrl: number,
    /** The 16 FCnt bits on air. */
    readonly fCnt: number,
    /** null when the frame has no FPort (and so no FRMPayload). */
    readonly fPort: number | null,
  ) {}

  get mhdr(): number {
    return this.bytes[0];
  }
  get confirmed(): boolean {
    return this.mType === 'ConfirmedDataUp' || this.mType === 'ConfirmedDataDown';
  }
  get devAddrHex(): string {
    return hexOfUint(this.devAddr, 4);
  }
  get adr(): boolean {
    return (this.fCtrl & 0x80) !== 0;
  }
  /** Uplink only (RFU bit in downlinks). */
  get adrAckReq(): boolean {
    return this.uplink && (this.fCtrl & 0x40) !== 0;
  }
  get ack(): boolean {
    return (this.fCtrl & 0x20) !== 0;
  }
  /** Downlink only: the network has more data pending. */
  get fPending(): boolean {
    return !this.uplink && (this.fCtrl & 0x10) !== 0;
  }
  /** Uplink only (1.0.2+): the device is in class B. */
  get classB(): boolean {
    return this.uplink && (this.fCtrl & 0x10) !== 0;
  }
  get fOptsLen(): number {
    return this.fCtrl & 0x0f;
  }
  get fOpts(): Buffer {
    return this.bytes.subarray(FHDR_END, FHDR_END + (this.fCtrl & 0x0f));
  }
  /** Offset of the first FRMPayload byte in `bytes`. */
  get frmPayloadStart(): number {
    return FHDR_END + (this.fCtrl & 0x0f) + (this.fPort === null ? 0 : 1);
  }
  /** FRMPayload as on air (encrypted); empty when there is no FPort. */
  get frmPayload(): Buffer {
    return this.bytes.subarray(this.frmPayloadStart, this.bytes.length - 4);
  }
  get mic(): Buffer {
    return this.bytes.subarray(this.bytes.length - 4);
  }
}

export interface JoinRequestFrame {
  readonly kind: 'joinRequest';
  readonly mType: 'JoinRequest';
  readonly bytes: Buffer;
  /** JoinEUI (AppEUI in 1.0.x), hex MSB first. */
  readonly joinEui: string;
  /** DevEUI, hex MSB first. */
  readonly devEui: string;
  /** DevNonce as the little-endian number sent on air. */
  readonly devNonce: number;
  readonly mic: Buffer;
}

/** A join accept as received: everything after MHDR is encrypted until decryptJoinAccept. */
export interface JoinAcceptFrame {
  readonly kind: 'joinAccept';
  readonly mType: 'JoinAccept';
  readonly bytes: Buffer;
  /** The encrypted bytes after MHDR (fields and MIC). */
  readonly encrypted: Buffer;
  /** The last four bytes as on air (still encrypted). */
  readonly mic: Buffer;
}

/** MType 6 (RFU in 1.0.x, rejoin request in 1.1): body kept raw. */
export interface RejoinRequestFrame {
  readonly kind: 'rejoinRequest';
  readonly mType: 'RejoinRequest';
  readonly bytes: Buffer;
  /** Bytes between MHDR and MIC. */
  readonly body: Buffer;
  readonly mic: Buffer;
}

/** MType 7: layout is vendor-defined, so there is no MIC we could locate. */
export interface ProprietaryFrame {
  readonly kind: 'proprietary';
  readonly mType: 'Proprietary';
  readonly bytes: Buffer;
  /** Every byte after MHDR. */
  readonly body: Buffer;
  readonly mic: null;
}

export type PhyPayload = DataFrame | JoinRequestFrame | JoinAcceptFrame | RejoinRequestFrame | ProprietaryFrame;

/** Parses any LoRaWAN 1.0.x PHYPayload; throws LoRaWANError on malformed input. */
export function parsePhyPayload(input: Uint8Array): PhyPayload {
  if (!(input instanceof Uint8Array)) throw new LoRaWANError('bad_input', 'PHYPayload must be a byte array');
  const bytes = asBuffer(input);
  if (bytes.length < 1) throw new LoRaWANError('too_short', 'PHYPayload is empty');
  const mhdr = bytes[0];
  const major = mhdr & 0x03;
  if (major !== MAJOR_LORAWAN_R1) {
    throw new LoRaWANError('bad_major', `MHDR major version ${major} is not LoRaWAN R1 (0)`);
  }
  const mType = mhdr >>> 5;
  switch (mType) {
    case 0:
      return parseJoinRequest(bytes);
    case 1:
      return parseJoinAccept(bytes);
    case 6:
      return parseRejoinRequest(bytes);
    case 7:
      return { kind: 'proprietary', mType: 'Proprietary', bytes, body: bytes.subarray(1), mic: null };
    default:
      return parseDataFrame(bytes, mType);
  }
}

function parseDataFrame(bytes: Buffer, mType: number): DataFrame {
  const len = bytes.length;
  if (len < MIN_DATA_FRAME_LENGTH) {
    throw new LoRaWANError('too_short', `data frame has ${len} bytes, at least ${MIN_DATA_FRAME_LENGTH} needed`);
  }
  const fCtrl = bytes[5];
  const fOptsEnd = FHDR_END + (fCtrl & 0x0f);
  const micStart = len - 4;
  if (fOptsEnd > micStart) {
    throw new LoRaWANError('fopts_overrun', `FOptsLen ${fCtrl & 0x0f} runs past the MIC (frame has ${len} bytes)`);
  }
  let fPort: number | null = null;
  if (fOptsEnd < micStart) {
    fPort = bytes[fOptsEnd];
    if (fPort === 0 && fOptsEnd !== FHDR_END) {
      throw new LoRaWANError('fport0_with_fopts', 'FPort 0 frame carries FOpts; MAC commands may not be in both');
    }
  }
  return new DataFrame(
    bytes,
    MTYPE_NAMES[mType] as DataMTypeName,
    (mType & 1) === 0,
    bytes.readUInt32LE(1),
    fCtrl,
    bytes[6] | (bytes[7] << 8),
    fPort,
  );
}

function parseJoinRequest(bytes: Buffer): JoinRequestFrame {
  if (bytes.length !== JOIN_REQUEST_LENGTH) {
    throw new LoRaWANError('bad_length', `join request must be ${JOIN_REQUEST_LENGTH} bytes, got ${bytes.length}`);
  }
  return {
    kind: 'joinRequest',
    mType: 'JoinRequest',
    bytes,
    joinEui: hexReversed(bytes, 1, 8),
    devEui: hexReversed(bytes, 9, 8),
    devNonce: readUintLE(bytes, 17, 2),
    mic: bytes.subarray(19),
  };
}

function parseJoinAccept(bytes: Buffer): JoinAcceptFrame {
  if (bytes.length !== JOIN_ACCEPT_LENGTH && bytes.length !== JOIN_ACCEPT_WITH_CFLIST_LENGTH) {
    throw new LoRaWANError(
      'bad_length',
      `join accept must be ${JOIN_ACCEPT_LENGTH} or ${JOIN_ACCEPT_WITH_CFLIST_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  return { kind: 'joinAccept', mType: 'JoinAccept', bytes, encrypted: bytes.subarray(1), mic: bytes.subarray(-4) };
}

function parseRejoinRequest(bytes: Buffer): RejoinRequestFrame {
  if (bytes.length < 5) throw new LoRaWANError('too_short', `rejoin request has ${bytes.length} bytes, at least 5 needed`);
  return {
    kind: 'rejoinRequest',
    mType: 'RejoinRequest',
    bytes,
    body: bytes.subarray(1, bytes.length - 4),
    mic: bytes.subarray(bytes.length - 4),
  };
}
