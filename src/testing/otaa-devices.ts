// Simulated OTAA end devices (LoRaWAN 1.0.x): they send join requests, check and decrypt the join
// accept the gateway sends, derive their session keys, then send encrypted data uplinks and
// decrypt downlinks, acknowledging confirmed ones in their next uplink. Used by tests, the demo
// and the simulate tools; never by the daemon.
import {
  buildDataUplink,
  buildJoinRequest,
  decryptFrmPayload,
  decryptJoinAccept,
  deriveSessionKeys,
  fullFCnt,
  parsePhyPayload,
  verifyDataMic,
  type JoinAcceptFields,
} from '../lorawan/index.js';

export interface OtaaDeviceSpec {
  name: string;
  devEui: string;
  joinEui: string;
  appKey: string;
}

export interface OtaaSession {
  devAddr: number;
  devAddrHex: string;
  nwkSKey: Buffer;
  appSKey: Buffer;
  netId: number;
  rx1DrOffset: number;
  rx2DataRate: number;
  /** Seconds (RxDelay 0 means 1). */
  rxDelay: number;
}

export interface ReceivedDownlink {
  fCnt: number;
  fPort: number | null;
  /** Clear-text FRMPayload (application bytes, or MAC commands on FPort 0). */
  payload: Buffer;
  fOpts: Buffer;
  confirmed: boolean;
  ack: boolean;
  fPending: boolean;
}

export interface UplinkOptions {
  fPort?: number | null;
  payload?: Buffer;
  confirmed?: boolean;
  /** MAC commands in FOpts, e.g. LinkCheckReq = [0x02]. */
  fOpts?: Buffer;
  /** Forces the ACK bit; by default it is set when the last downlink was confirmed and not yet acknowledged. */
  ack?: boolean;
}

/** Thrown when a frame meant for the device does not check out (wrong MIC, not for it). */
export class SimulatedDeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedDeviceError';
  }
}

export class SimulatedOtaaDevice {
  session: OtaaSession | undefined;
  /** Next FCntUp. */
  fCntUp = 0;
  /** Last FCntDown received, undefined before the first downlink of the session. */
  fCntDown: number | undefined;
  private devNonce: number;
  private lastDevNonce: number | undefined;
  private ackPending = false;
  /** The last uplink sent, so tests can retransmit it exactly. */
  lastUplink: Buffer | undefined;

  constructor(
    readonly spec: OtaaDeviceSpec,
    firstDevNonce = 1,
  ) {
    this.devNonce = firstDevNonce & 0xffff;
  }

  get joined(): boolean {
    return this.session !== undefined;
  }

  /** A join request with the next DevNonce (or the one given, to replay an old one). */
  joinRequest(devNonce?: number): Buffer {
    const nonce = devNonce ?? this.devNonce;
    if (devNonce === undefined) this.devNonce = (this.devNonce + 1) & 0xffff;
    this.lastDevNonce = nonce;
    return buildJoinRequest({ joinEui: this.spec.joinEui, devEui: this.spec.devEui, devNonce: nonce, appKey: this.spec.appKey });
  }

  /** Checks and decrypts a join accept for the last join request and starts the session. */
  acceptJoin(phyPayload: Buffer): JoinAcceptFields {
    if (this.lastDevNonce === undefined) throw new SimulatedDeviceError(`${this.spec.name}: no join request was sent`);
    const fields = decryptJoinAccept(phyPayload, this.spec.appKey);
    if (!fields.micValid) throw new SimulatedDeviceError(`${this.spec.name}: join accept MIC does not match the AppKey`);
    const keys = deriveSessionKeys(this.spec.appKey, fields.joinNonce, fields.netId, this.lastDevNonce);
    this.session = {
      devAddr: fields.devAddr,
      devAddrHex: fields.devAddrHex,
      nwkSKey: keys.nwkSKey,
      appSKey: keys.appSKey,
      netId: fields.netId,
      rx1DrOffset: fields.rx1DrOffset,
      rx2DataRate: fields.rx2DataRate,
      rxDelay: fields.rxDelay === 0 ? 1 : fields.rxDelay,
    };
    this.fCntUp = 0;
    this.fCntDown = undefined;
    this.ackPending = false;
    return fields;
  }

  /** The next data uplink as sent on air. */
  uplink(opts: UplinkOptions = {}): Buffer {
    const s = this.requireSession();
    const payload = opts.payload ?? Buffer.alloc(0);
    const fPort = opts.fPort === undefined ? (payload.length > 0 ? 1 : null) : opts.fPort;
    const frame = buildDataUplink({
      mType: opts.confirmed ? 'ConfirmedDataUp' : 'UnconfirmedDataUp',
      devAddr: s.devAddr,
      fCnt32: this.fCntUp,
      fPort,
      payload,
      fOpts: opts.fOpts,
      ack: opts.ack ?? this.ackPending,
      nwkSKey: s.nwkSKey,
      appSKey: s.appSKey,
    });
    this.ackPending = false;
    this.fCntUp += 1;
    this.lastUplink = frame;
    return frame;
  }

  /** Checks and decrypts a downlink; confirmed ones are acknowledged in the next uplink. */
  receive(phyPayload: Buffer): ReceivedDownlink {
    const s = this.requireSession();
    const phy = parsePhyPayload(phyPayload);
    if (phy.kind !== 'data' || phy.uplink) throw new SimulatedDeviceError(`${this.spec.name}: not a data downlink (${phy.mType})`);
    if (phy.devAddr !== s.devAddr) throw new SimulatedDeviceError(`${this.spec.name}: downlink for DevAddr ${phy.devAddrHex}, not ${s.devAddrHex}`);
    const fCnt = fullFCnt(this.fCntDown, phy.fCnt);
    if (!verifyDataMic(phy, s.nwkSKey, fCnt)) throw new SimulatedDeviceError(`${this.spec.name}: downlink MIC does not match the session`);
    if (this.fCntDown !== undefined && fCnt <= this.fCntDown) {
      throw new SimulatedDeviceError(`${this.spec.name}: downlink FCnt ${fCnt} did not advance past ${this.fCntDown}`);
    }
    this.fCntDown = fCnt;
    const payload = phy.fPort === null ? Buffer.alloc(0) : decryptFrmPayload(phy, phy.fPort === 0 ? s.nwkSKey : s.appSKey, fCnt);
    if (phy.confirmed) this.ackPending = true;
    return {
      fCnt,
      fPort: phy.fPort,
      payload: Buffer.from(payload),
      fOpts: Buffer.from(phy.fOpts),
      confirmed: phy.confirmed,
      ack: phy.ack,
      fPending: phy.fPending,
    };
  }

  private requireSession(): OtaaSession {
    if (!this.session) throw new SimulatedDeviceError(`${this.spec.name}: has not joined`);
    return this.session;
  }
}

/** The PHYPayload inside a txpk a packet-forwarder simulator received. */
export function txpkPayload(txpk: Record<string, unknown>): Buffer {
  if (typeof txpk.data !== 'string') throw new SimulatedDeviceError('txpk has no base64 data');
  return Buffer.from(txpk.data, 'base64');
}
