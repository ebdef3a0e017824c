// TxRequest -> the `txpk` object of a PULL_RESP, and a TX_ACK error -> TxStatus. Pure functions.
//
// Field choices follow what ChirpStack's Semtech UDP bridge sends, so a forwarder that works with
// ChirpStack works with us: no `ncrc` (the forwarder keeps the PHY CRC on, which every LoRaWAN
// receiver accepts), `rfch` 0, power in whole dBm, `tmst` = uplink tmst + delay (u32 wrap).
import type { TxRequest, TxStatus } from '../downlink.js';
import { formatLoraDatr } from './datr.js';

export interface Txpk {
  imme?: true;
  tmst?: number;
  tmms?: number;
  /** MHz; for whole-Hz inputs JSON.stringify prints the exact decimal (868.1, 869.525). */
  freq: number;
  rfch: 0;
  powe: number;
  modu: 'LORA' | 'FSK';
  datr: string | number;
  codr?: string;
  fdev?: number;
  ipol?: boolean;
  prea?: number;
  size: number;
  data: string;
}

export type TxpkResult = { ok: true; txpk: Txpk } | { ok: false; status: TxStatus; reason: string };

const U32 = 0x1_0000_0000;

/** The concentrator counter (µs, u32) `delayMs` after the uplink whose 4-byte BE tmst context is given. */
export function tmstAfter(context: Buffer, delayMs: number): number | undefined {
  if (context.length < 4 || !Number.isFinite(delayMs) || delayMs < 0) return undefined;
  return (context.readUInt32BE(0) + Math.round(delayMs * 1000)) % U32;
}

export function buildTxpk(request: TxRequest): TxpkResult {
  const refuse = (status: TxStatus, reason: string): TxpkResult => ({ ok: false, status, reason });
  const { payload, frequency, power, timing } = request;
  if (!Buffer.isBuffer(payload) || payload.length === 0 || payload.length > 255) {
    return refuse('INTERNAL_ERROR', 'payload must be 1..255 bytes');
  }
  if (!Number.isInteger(frequency) || frequency <= 0) return refuse('TX_FREQ', `frequency must be a positive whole number of Hz, got ${frequency}`);
  if (!Number.isFinite(power)) return refuse('TX_POWER', `power must be a number of dBm, got ${power}`);

  const txpk: Txpk = {
    freq: frequency / 1e6,
    rfch: 0,
    // Whole dBm on the wire; rounding down never exceeds what the caller allowed.
    powe: Math.floor(power),
    modu: request.modulation,
    datr: '',
    size: payload.length,
    data: payload.toString('base64'),
  };

  if (timing.kind === 'immediate') {
    txpk.imme = true;
  } else if (timing.kind === 'delay') {
    const tmst = tmstAfter(timing.context, timing.delayMs);
    if (tmst === undefined) {
      return refuse('INTERNAL_ERROR', `delayed downlink needs a 4-byte tmst context and a delay >= 0 (context ${timing.context.length} bytes, delay ${timing.delayMs} ms)`);
    }
    txpk.tmst = tmst;
  } else if (timing.kind === 'gps') {
    if (!Number.isInteger(timing.gpsTimeMs) || timing.gpsTimeMs < 0) return refuse('INTERNAL_ERROR', `GPS time must be whole ms >= 0, got ${timing.gpsTimeMs}`);
    txpk.tmms = timing.gpsTimeMs;
  } else {
    return refuse('INTERNAL_ERROR', `unknown timing ${JSON.stringify(timing)}`);
  }

  if (request.modulation === 'LORA') {
    const { spreadingFactor, bandwidth } = request;
    if (spreadingFactor === undefined || bandwidth === undefined) return refuse('INTERNAL_ERROR', 'LoRa downlink without spreading factor or bandwidth');
    try {
      txpk.datr = formatLoraDatr(spreadingFactor, bandwidth);
    } catch (err) {
      return refuse('INTERNAL_ERROR', (err as Error).message);
    }
    txpk.codr = request.codeRate ?? '4/5';
    txpk.ipol = request.polarizationInversion;
  } else if (request.modulation === 'FSK') {
    const rate = request.fskDatarate;
    if (rate === undefined || !Number.isInteger(rate) || rate <= 0) return refuse('INTERNAL_ERROR', `FSK downlink needs a positive whole bit rate, got ${rate}`);
    txpk.datr = rate;
    // lora_pkt_fwd refuses FSK without a deviation; LoRaWAN's FSK rate uses half the bit rate (50 kb/s, 25 kHz).
    txpk.fdev = Math.round(rate / 2);
  } else {
    return refuse('INTERNAL_ERROR', `unknown modulation ${String(request.modulation)}`);
  }

  if (request.preamble !== undefined) {
    if (!Number.isInteger(request.preamble) || request.preamble <= 0 || request.preamble > 0xffff) {
      return refuse('INTERNAL_ERROR', `preamble must be 1..65535 symbols, got ${request.preamble}`);
    }
    txpk.prea = request.preamble;
  }
  return { ok: true, txpk };
}

/** TX_ACK errors a forwarder may report that are also TxStatus names. */
const TX_ACK_ERRORS: ReadonlySet<string> = new Set<TxStatus>([
  'TOO_LATE',
  'TOO_EARLY',
  'COLLISION_PACKET',
  'COLLISION_BEACON',
  'TX_FREQ',
  'TX_POWER',
  'GPS_UNLOCKED',
  'QUEUE_FULL',
]);

/**
 * null (no JSON, no `error`, `NONE`) means accepted. A `warn` (TX_POWER: sent at a lower power) is
 * still an accepted downlink and never reaches here. Errors outside the protocol's list (`UNKNOWN`)
 * become INTERNAL_ERROR.
 */
export function txStatusFromTxAck(error: string | null): TxStatus {
  if (error === null) return 'OK';
  return TX_ACK_ERRORS.has(error) ? (error as TxStatus) : 'INTERNAL_ERROR';
}
