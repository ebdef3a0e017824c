// The join accept edge mode sends and the session keys both sides derive from it (LoRaWAN 1.0.x
// 6.2.5). No CFList: the device keeps the three EU868 default channels, which every gateway hears.
import { buildJoinAccept, deriveSessionKeys, type SessionKeys } from '../lorawan/index.js';

export interface JoinAcceptParams {
  appKey: Buffer;
  devNonce: number;
  joinNonce: number;
  /** 6 hex digits. */
  netId: string;
  devAddr: number;
  rx1DrOffset: number;
  rx2DataRate: number;
  /** Seconds (1..15). */
  rxDelay: number;
}

export function makeJoinAccept(p: JoinAcceptParams): { phyPayload: Buffer; keys: SessionKeys } {
  const netId = parseInt(p.netId, 16);
  const keys = deriveSessionKeys(p.appKey, p.joinNonce, netId, p.devNonce);
  const phyPayload = buildJoinAccept({
    appKey: p.appKey,
    joinNonce: p.joinNonce,
    netId,
    devAddr: p.devAddr,
    rx1DrOffset: p.rx1DrOffset,
    rx2DataRate: p.rx2DataRate,
    rxDelay: p.rxDelay,
    cfList: null,
  });
  return { phyPayload, keys };
}

/** JoinNonces count up from 1 and stay within 24 bits (0 is skipped after a wrap). */
export function nextJoinNonce(last: number): number {
  const next = (last + 1) & 0xffffff;
  return next === 0 ? 1 : next;
}
