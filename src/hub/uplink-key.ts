// Which receptions are one uplink. Several gateways hear the same frame: the same device, the same
// FCnt and the same bytes on air (the MIC makes equal bytes mean the same frame), captured within a
// window of each other. The key alone is not enough: a 16-bit FCnt wraps and a LoRaWAN 1.0 device
// resets it after a rejoin or a power cycle, so identical bytes can honestly come back later; that
// is a new uplink when it is further than the window from every earlier one.
import { createHash } from 'node:crypto';
import type { IngestRecord } from './batch-input.js';

/** Receptions of one key this close in capture time are one uplink (gateway clocks may disagree). */
export const DEFAULT_DEDUP_WINDOW_MS = 10 * 60_000;

/** `<device>:<fcnt>:<sha256 of the PHYPayload>`; device is the DevEUI, else the DevAddr, else `-`. */
export function uplinkKey(r: Pick<IngestRecord, 'devEui' | 'devAddr' | 'fCnt' | 'phyPayload'>): string {
  const device = r.devEui ?? r.devAddr ?? '-';
  const hash = createHash('sha256').update(Buffer.from(r.phyPayload, 'base64')).digest('hex');
  return `${device}:${r.fCnt ?? '-'}:${hash}`;
}

/**
 * A 64-bit lock number for a key (PostgreSQL advisory locks take a bigint): writers that could
 * create the same uplink take the same lock, so "look for it, else create it" is atomic.
 */
export function uplinkLockId(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

/** The UTC day (YYYY-MM-DD) an uplink is accounted on: the day of its earliest reception. */
export function accountingDay(capturedMs: number): string {
  return new Date(capturedMs).toISOString().slice(0, 10);
}
