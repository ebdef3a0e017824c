// TxRequest -> what an AT modem can transmit, and when (host clock). Pure.
//
// AT modems have no concentrator counter, so a frame's context is the host receive time (8-byte BE
// ms since the epoch) and a delayed downlink is sent when the host clock reaches receivedAt + delay.
// That is best effort: USB and the modem's command handling add latency a class A receive window
// may not forgive.
import type { TxRequest, TxStatus } from '../../downlink.js';
import type { AtDialect, AtTxSettings } from './dialect.js';

export type AtTxPlan =
  | {
      ok: true;
      settings: AtTxSettings;
      /** Host ms at which the frame should be on air; undefined = as soon as possible. */
      fireAt: number | undefined;
      clampedFrom?: number;
    }
  | { ok: false; status: TxStatus; reason: string };

/** A sub-GHz LoRa modem's possible range (the dialects' radios cover 137-1020 MHz at most). */
const MIN_HZ = 137_000_000;
const MAX_HZ = 1_020_000_000;

/** The context AT-modem frames carry: host receive time as u64 BE ms. */
export function hostTimeContext(receivedAt: number): Buffer {
  const context = Buffer.alloc(8);
  context.writeBigUInt64BE(BigInt(Math.max(0, Math.round(receivedAt))));
  return context;
}

export function hostTimeFromContext(context: Buffer): number | undefined {
  if (context.length < 8) return undefined;
  const ms = Number(context.readBigUInt64BE(0));
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function planAtTransmit(dialect: AtDialect, request: TxRequest): AtTxPlan {
  const refuse = (status: TxStatus, reason: string): AtTxPlan => ({ ok: false, status, reason });
  const { payload, timing } = request;
  if (!Buffer.isBuffer(payload) || payload.length === 0 || payload.length > 255) return refuse('INTERNAL_ERROR', 'payload must be 1..255 bytes');
  if (request.modulation !== 'LORA') return refuse('INTERNAL_ERROR', `${dialect.name} transmits LoRa only`);
  if (!Number.isInteger(request.frequency) || request.frequency < MIN_HZ || request.frequency > MAX_HZ) {
    return refuse('TX_FREQ', `frequency ${request.frequency} Hz is not a sub-GHz frequency`);
  }
  const { spreadingFactor, bandwidth } = request;
  if (spreadingFactor === undefined || !dialect.spreadingFactors.includes(spreadingFactor)) {
    return refuse('INTERNAL_ERROR', `${dialect.name} cannot transmit SF${spreadingFactor}`);
  }
  if (bandwidth === undefined || !dialect.bandwidths.includes(bandwidth)) {
    return refuse('INTERNAL_ERROR', `${dialect.name} cannot transmit with a ${bandwidth} Hz bandwidth`);
  }
  const codeRate = request.codeRate ?? '4/5';
  if (!dialect.txCodeRates.includes(codeRate)) return refuse('INTERNAL_ERROR', `${dialect.name} cannot transmit with code rate ${codeRate}`);
  const [minPower, maxPower] = dialect.txPowerRange;
  if (!Number.isFinite(request.power) || request.power < minPower) {
    return refuse('TX_POWER', `power ${request.power} dBm is below the ${minPower} dBm ${dialect.name} can do`);
  }
  // Lower than asked is always allowed, so too much power is capped, not refused.
  const power = Math.min(Math.floor(request.power), maxPower);
  const preamble = request.preamble ?? 8;
  if (!Number.isInteger(preamble) || preamble < 6 || preamble > 0xffff) return refuse('INTERNAL_ERROR', `preamble must be 6..65535 symbols, got ${preamble}`);

  let fireAt: number | undefined;
  if (timing.kind === 'immediate') {
    fireAt = undefined;
  } else if (timing.kind === 'delay') {
    const receivedAt = hostTimeFromContext(timing.context);
    if (receivedAt === undefined || !Number.isFinite(timing.delayMs) || timing.delayMs < 0) {
      return refuse('INTERNAL_ERROR', `delayed downlink needs the 8-byte host-time context of an AT-modem frame and a delay >= 0 (context ${timing.context.length} bytes)`);
    }
    fireAt = receivedAt + timing.delayMs;
  } else {
    return refuse('GPS_UNLOCKED', `${dialect.name} has no GPS time`);
  }

  const plan: AtTxPlan = {
    ok: true,
    settings: { frequency: request.frequency, spreadingFactor, bandwidth, codeRate, power, preamble, invertIq: request.polarizationInversion, payload },
    fireAt,
  };
  if (request.power > maxPower) plan.clampedFrom = request.power;
  return plan;
}

/** Generous upper bound of a LoRa frame's time on air (explicit header, CRC, 4/5 or worse), for deadlines only. */
export function roughAirtimeMs(settings: AtTxSettings): number {
  const symbolMs = (2 ** settings.spreadingFactor / settings.bandwidth) * 1000;
  const crDenominator = Number(settings.codeRate.split('/')[1] ?? 8);
  const bitsPerSymbolBlock = 4 * Math.max(1, settings.spreadingFactor - 2);
  const payloadSymbols = 8 + Math.ceil((8 * settings.payload.length + 16 + 20) / bitsPerSymbolBlock) * crDenominator;
  return (settings.preamble + 4.25 + payloadSymbols) * symbolMs;
}

/** How long `text` plus CR LF takes on the wire at `baudRate` (8N1: 10 bits a byte). */
export function lineTimeMs(text: string, baudRate: number): number {
  return ((text.length + 2) * 10 * 1000) / baudRate;
}
