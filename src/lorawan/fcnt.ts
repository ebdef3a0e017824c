// Rebuilding the 32-bit frame counter from the 16 bits a 1.0.x frame carries.
import { LoRaWANError } from './errors.js';

/** Largest forward jump across a 16-bit roll-over still taken as the same session (frames lost in between). */
export const MAX_FCNT_GAP = 16384;

/**
 * Rule: the result is the value with low 16 bits `fcnt16` that is >= `last32` (the last counter
 * accepted for the device), taking a roll-over (+0x10000) only when that lands within
 * MAX_FCNT_GAP of `last32`.
 * - No previous counter: `fcnt16` itself.
 * - Same 64 Ki window and >= last: that value (equal means a retransmission).
 * - Below last in the window: the next window's value if within the gap (0xFFFF -> 0x0000 gives
 *   0x10000); otherwise the value in the current window is returned, which is < `last32`, so the
 *   caller sees a replay or a device that restarted its counter.
 * The result never exceeds 2^32-1.
 */
export function fullFCnt(last32: number | undefined, fcnt16: number): number {
  if (!Number.isInteger(fcnt16) || fcnt16 < 0 || fcnt16 > 0xffff) {
    throw new LoRaWANError('bad_fcnt', `16-bit FCnt must be an integer 0..65535, got ${String(fcnt16)}`);
  }
  const low = fcnt16;
  if (last32 === undefined) return low;
  if (!Number.isInteger(last32) || last32 < 0 || last32 > 0xffffffff) {
    throw new LoRaWANError('bad_fcnt', `last 32-bit FCnt must be an integer 0..4294967295, got ${String(last32)}`);
  }
  const sameWindow = last32 - (last32 % 0x10000) + low;
  if (sameWindow >= last32) return sameWindow;
  const rolled = sameWindow + 0x10000;
  if (rolled - last32 <= MAX_FCNT_GAP && rolled <= 0xffffffff) return rolled;
  return sameWindow;
}
