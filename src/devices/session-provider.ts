// Sessions created outside the registry (OTAA devices that joined through the gateway's edge
// mode): the directory asks the provider for them by DevAddr so their uplinks are checked,
// decrypted and decoded exactly like those of ABP devices.
import type { DataFrame } from '../lorawan/phy-payload.js';

export interface NetworkSession {
  readonly devEui: string;
  readonly devAddr: number;
  readonly nwkSKey: Buffer;
  readonly appSKey: Buffer;
  /** Last accepted 32-bit FCntUp of this session; undefined before its first uplink. */
  readonly lastFCntUp: number | undefined;
  /**
   * Checks an uplink's MIC when `nwkSKey` alone cannot (LoRaWAN 1.1 sessions handed over by the
   * hub); absent: the LoRaWAN 1.0 MIC with nwkSKey.
   */
  readonly verifyMic?: (frame: DataFrame, fCnt32: number) => boolean;
}

export interface SessionProvider {
  /** Sessions currently holding this DevAddr (usually zero or one). */
  sessionsAt(devAddr: number): readonly NetworkSession[];
  /** Records an uplink counter the directory accepted (MIC valid, counter advanced). */
  acceptUplink(devEui: string, devAddr: number, fCnt: number): void;
}
