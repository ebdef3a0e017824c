// Building blocks of the NAS UL20xx (FW 1.1.x) luminaire-controller payloads: addresses,
// DALI driver status, dimming reasons, lux and timestamps.
import type { DecodeContext } from './define-codec.js';
import { hexByte } from './fields.js';

const DALI_SINGLE: string[] = Array.from({ length: 64 }, (_, n) => 'dali_single_' + n);
const DALI_GROUP: string[] = Array.from({ length: 16 }, (_, n) => 'dali_group_' + n);

/**
 * Decodes an address byte. `ffName` is what 0xFF means in this context (e.g. `internal_measurement`);
 * null means 0xFF is invalid there.
 */
export function nasAddress(a: number, ffName: string | null, ctx: DecodeContext): string {
  if (a === 0x01) return 'analog_0_10v';
  if (a === 0xfe) return 'dali_broadcast';
  if (a === 0xff && ffName !== null) return ffName;
  if ((a & 1) === 1) {
    ctx.warnings.push('invalid_address');
    return 'invalid';
  }
  return (a & 0x80) !== 0 ? DALI_GROUP[(a >> 1) & 0x0f] : DALI_SINGLE[(a >> 1) & 0x3f];
}

export interface DaliStatus {
  driver_error: boolean;
  lamp_failure: boolean;
  lamp_on: boolean;
  limit_error: boolean;
  fade_running: boolean;
  reset_state: boolean;
  missing_short_address: boolean;
  power_failure: boolean;
}

/** DALI status byte (bit0..bit7); 0xFF means "not available" and reads as all false. */
export function daliStatus(s: number, address: string, ctx: DecodeContext): DaliStatus {
  if (s === 0xff) s = 0;
  const status: DaliStatus = {
    driver_error: (s & 0x01) !== 0,
    lamp_failure: (s & 0x02) !== 0,
    lamp_on: (s & 0x04) !== 0,
    limit_error: (s & 0x08) !== 0,
    fade_running: (s & 0x10) !== 0,
    reset_state: (s & 0x20) !== 0,
    missing_short_address: (s & 0x40) !== 0,
    power_failure: (s & 0x80) !== 0,
  };
  if (status.driver_error) ctx.warnings.push(address + ' driver_error');
  if (status.lamp_failure) ctx.warnings.push(address + ' lamp_failure');
  if (status.limit_error) ctx.warnings.push(address + ' limit_error');
  if (status.reset_state) ctx.warnings.push(address + ' reset_state');
  if (status.power_failure) ctx.warnings.push(address + ' power_failure');
  return status;
}

function reasonTable(): Array<string | undefined> {
  const t: Array<string | undefined> = new Array<string | undefined>(256);
  for (let n = 0; n <= 7; n++) t[n] = 'profile_' + n;
  t[0x21] = 'calendar_day';
  t[0x22] = 'calendar_night';
  for (let n = 0; n < 16; n++) t[0x30 + n] = 'calendar_dawn_step_' + n;
  for (let n = 0; n < 16; n++) t[0x50 + n] = 'calendar_dusk_step_' + n;
  t[0x70] = 'dig_inactive';
  t[0x71] = 'dig_active';
  for (let n = 0; n < 8; n++) t[0x80 + n] = 'light_monitor_step_' + n;
  t[245] = 'relay_off';
  t[246] = 'driver_not_found';
  t[248] = 'fallback_active';
  t[250] = 'ldr_input_active';
  t[252] = 'dig_input_active';
  t[253] = 'manual_active';
  return t;
}
const REASONS = reasonTable();

/** Why a driver is at its level; undefined codes are errors, as in the reference decoder. */
export function dimmingReason(r: number, ctx: DecodeContext): string {
  const name = REASONS[r];
  if (name !== undefined) return name;
  if (r === 0xff) {
    ctx.errors.push('unknown_reason: dimming reason 0xff');
    return 'unknown';
  }
  ctx.errors.push(`invalid_reason: dimming reason ${hexByte(r)} is not defined`);
  return 'invalid_reason';
}

/** Dimming level 0..100 %, with 0xFF meaning something context-specific (`n/a`, `resume`). */
export function dimmingLevel(level: number, ffName: string): number | string {
  return level === 0xff ? ffName : level;
}

/** Light sensor reading: lux = 10^((raw & 0x7FFF)/4000)/1000, as text with 3..0 decimals. */
export function lightLux(raw: number): string {
  if (raw === 0xffff) return 'unavailable';
  const lx = Math.pow(10, (raw & 0x7fff) / 4000.0) / 1000.0;
  const decimals = lx < 10 ? 3 : lx < 100 ? 2 : lx < 1000 ? 1 : 0;
  return lx.toFixed(decimals);
}

const EPOCH_2015 = 1420070400;

/** Device clock (unix seconds); values before 2015 mean the clock was never set. */
export function unixTime(seconds: number, ctx: DecodeContext): string {
  if (seconds < EPOCH_2015) {
    ctx.warnings.push('invalid_timestamp');
    return 'invalid_timestamp';
  }
  return new Date(seconds * 1000).toISOString();
}
