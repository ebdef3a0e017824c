// This boot's identity and the monotonic clock: together they place a capture on a time line that
// no clock step moves (CLOCK_MONOTONIC counts from boot and is never stepped).
import { readFileSync } from 'node:fs';

export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** Hex digits of the boot id kept in records: 48 bits tell boots apart, and a record stays small. */
export const BOOT_ID_DIGITS = 12;

/** The first BOOT_ID_DIGITS hex digits of the kernel's boot id; null where there is none (not Linux). */
export function readBootId(path = BOOT_ID_PATH): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const hex = text.trim().replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex.slice(0, BOOT_ID_DIGITS) : null;
}

/** CLOCK_MONOTONIC in ms (libuv's hrtime is CLOCK_MONOTONIC on Linux: ms since boot, suspend excluded). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}
