// Validation shared by the MIC and payload-crypto helpers.
import { LoRaWANError } from './errors.js';

export function checkFCnt32(fCnt32: number): void {
  if (!Number.isInteger(fCnt32) || fCnt32 < 0 || fCnt32 > 0xffffffff) {
    throw new LoRaWANError('bad_fcnt', `32-bit FCnt must be an integer 0..4294967295, got ${String(fCnt32)}`);
  }
}

/** The 32-bit counter used for crypto must end in the 16 bits the frame carries. */
export function checkFCntMatches(fCnt32: number, fCnt16: number): void {
  checkFCnt32(fCnt32);
  if (fCnt32 % 0x10000 !== fCnt16) {
    throw new LoRaWANError('bad_fcnt', `32-bit FCnt ${fCnt32} does not end in the frame's FCnt ${fCnt16}`);
  }
}
