// TxRequest -> PREPARE_TX request for the 2.4 GHz MCU, and the MCU's TX statuses -> TxStatus.
// Pure: the driver does the I/O and the timing checks against the MCU clock.
import type { TxRequest, TxStatus } from '../../downlink.js';
import { RADIO_BANDS } from '../../plausibility.js';
import { bandwidthCodeFor } from './channels.js';
import {
  CODE_RATE_INDEX,
  PREPARE_TX_STATUS,
  RAMP_UP_20_US,
  SYNC_WORD_PUBLIC,
  TX_MODE,
  TX_POWER_MAX_DBM,
  TX_POWER_MIN_DBM,
  TX_STATUS,
  type PrepareTxRequest,
} from './messages.js';

export type TxPlan =
  | { ok: true; prepare: PrepareTxRequest; /** Set when the requested power was above the chip's maximum. */ clampedFrom?: number }
  | { ok: false; status: TxStatus; reason: string };

const U32 = 0x1_0000_0000;
/** The SX1280 TX range: the ISM band the chip covers (the band its frames are checked against too). */
const { low: MIN_TX_HZ, high: MAX_TX_HZ } = RADIO_BANDS.ism2400;

/** MCU µs counter `delayMs` after the uplink whose 4-byte BE counter context is given. */
export function counterAfter(context: Buffer, delayMs: number): number | undefined {
  if (context.length < 4 || !Number.isFinite(delayMs) || delayMs < 0) return undefined;
  return (context.readUInt32BE(0) + Math.round(delayMs * 1000)) % U32;
}

/** Signed difference a - b of two u32 µs counters, correct across one wrap. */
export function counterDelta(a: number, b: number): number {
  return ((a - b + U32 + U32 / 2) % U32) - U32 / 2;
}

export function planPrepareTx(request: TxRequest): TxPlan {
  const refuse = (status: TxStatus, reason: string): TxPlan => ({ ok: false, status, reason });
  const { payload, timing } = request;
  if (!Buffer.isBuffer(payload) || payload.length === 0 || payload.length > 255) return refuse('INTERNAL_ERROR', 'payload must be 1..255 bytes');
  if (request.modulation !== 'LORA') return refuse('INTERNAL_ERROR', 'the 2.4 GHz gateway transmits LoRa only');
  if (!Number.isInteger(request.frequency) || request.frequency < MIN_TX_HZ || request.frequency > MAX_TX_HZ) {
    return refuse('TX_FREQ', `frequency ${request.frequency} Hz is outside the SX1280's 2400-2500 MHz`);
  }
  const { spreadingFactor, bandwidth } = request;
  if (spreadingFactor === undefined || !Number.isInteger(spreadingFactor) || spreadingFactor < 5 || spreadingFactor > 12) {
    return refuse('INTERNAL_ERROR', `spreading factor must be 5..12, got ${spreadingFactor}`);
  }
  const bw = bandwidth === undefined ? undefined : bandwidthCodeFor(bandwidth);
  if (!bw) return refuse('INTERNAL_ERROR', `bandwidth ${bandwidth} Hz is not one of 203125, 406250, 812500, 1625000`);
  // What the 2.4 GHz LoRaWAN plan and this MCU receive with; other rates only when asked for.
  const codeRate = request.codeRate ?? '4/8LI';
  const codeRateIndex = CODE_RATE_INDEX.get(codeRate);
  if (codeRateIndex === undefined) return refuse('INTERNAL_ERROR', `code rate ${codeRate} is not one of ${[...CODE_RATE_INDEX.keys()].join(', ')}`);
  if (!Number.isFinite(request.power) || request.power < TX_POWER_MIN_DBM) {
    return refuse('TX_POWER', `power ${request.power} dBm is below the SX1280's ${TX_POWER_MIN_DBM} dBm`);
  }
  // Lower than asked is always allowed, so a power above the chip's maximum is capped, not refused.
  const power = Math.min(Math.floor(request.power), TX_POWER_MAX_DBM);
  const preamble = request.preamble ?? 8;
  if (!Number.isInteger(preamble) || preamble < 8 || preamble > 0xffff) return refuse('INTERNAL_ERROR', `preamble must be 8..65535 symbols, got ${preamble}`);

  let mode: number;
  let countUs = 0;
  if (timing.kind === 'immediate') {
    mode = TX_MODE.IMMEDIATE;
  } else if (timing.kind === 'delay') {
    const at = counterAfter(timing.context, timing.delayMs);
    if (at === undefined) {
      return refuse('INTERNAL_ERROR', `delayed downlink needs the uplink's 4-byte MCU counter context and a delay >= 0 (context ${timing.context.length} bytes, delay ${timing.delayMs} ms)`);
    }
    mode = TX_MODE.TIMESTAMPED;
    countUs = at;
  } else {
    // The MCU has a GPS mode, but the host never learns the PPS-to-GPS-time mapping it would need.
    return refuse('GPS_UNLOCKED', 'GPS-timed downlinks are not supported on the 2.4 GHz gateway');
  }

  const plan: TxPlan = {
    ok: true,
    prepare: {
      mode,
      countUs,
      power,
      frequency: request.frequency,
      bandwidthCode: bw.code,
      spreadingFactor,
      invertIq: request.polarizationInversion,
      codeRateIndex,
      implicitHeader: false,
      // As the HAL's forwarder: CRC on (no_crc defaults to false), public sync word.
      crc: true,
      rampUp: RAMP_UP_20_US,
      preamble,
      syncWord: SYNC_WORD_PUBLIC,
      payload,
    },
  };
  if (request.power > TX_POWER_MAX_DBM) plan.clampedFrom = request.power;
  return plan;
}

/** A refused PREPARE_TX, or undefined when it was accepted. */
export function prepareTxRefusal(status: number): { status: TxStatus; reason: string } | undefined {
  if (status === PREPARE_TX_STATUS.OK) return undefined;
  if (status === PREPARE_TX_STATUS.FIFO_FULL) return { status: 'QUEUE_FULL', reason: 'the MCU already holds a packet to send (TX FIFO full)' };
  if (status === PREPARE_TX_STATUS.INVALID) return { status: 'INTERNAL_ERROR', reason: 'the MCU found the PREPARE_TX parameters invalid' };
  return { status: 'INTERNAL_ERROR', reason: `PREPARE_TX answered with unknown status ${status}` };
}

/** What a GET_TX_STATUS answer means for a packet that was accepted: still pending, or its outcome. */
export function txOutcome(status: number): TxStatus | 'pending' {
  switch (status) {
    case TX_STATUS.LOADED:
    case TX_STATUS.ON_AIR:
      return 'pending';
    // The HAL counts IDLE and DONE alike as "TX free": the packet has left.
    case TX_STATUS.DONE:
    case TX_STATUS.IDLE:
      return 'OK';
    default:
      return 'INTERNAL_ERROR';
  }
}
