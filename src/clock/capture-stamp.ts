// What a record remembers about the clock at capture, and the arithmetic that corrects its
// capturedAt once the system clock is known to be right. A Raspberry Pi has no real-time clock: booted
// without a network its wall clock starts wherever fake-hwclock left it, and is stepped when NTP
// syncs. CLOCK_MONOTONIC is not stepped and counts from boot, so within one boot
// `monoMs + (wall − mono at a synchronised moment)` is the true wall time of any earlier capture.

/** The clock fields every record carries from capture (docs/hub/README.md). */
export interface CaptureClockFields {
  /** Kernel "clock synchronised" flag at capture: true, false, or null when it could not be read. */
  clockSynced: boolean | null;
  /** First 12 hex digits of the boot id (/proc/sys/kernel/random/boot_id); null when unreadable. */
  bootId: string | null;
  /** CLOCK_MONOTONIC at capture, ms since boot; null when the boot id is unknown. */
  monoMs: number | null;
}

/** A capture stamp: the wall time as the gateway knew it, and the clock fields. */
export interface CaptureStamp extends CaptureClockFields {
  capturedAt: string;
}

/** A moment the system clock was synchronised: wall time minus monotonic time then, in this boot. */
export interface SyncPoint {
  bootId: string;
  wallMinusMonoMs: number;
}

/** Why a record captured unsynchronised was sent with its capturedAt as captured. */
export type UncorrectedReason =
  /** Captured in an earlier boot: the monotonic clock started again since. */
  | 'earlier_boot'
  /** The clock has not been seen synchronised in this boot yet (or its state cannot be read). */
  | 'not_synced_yet'
  /** The record has no boot id or monotonic time (stored by an older version, or boot id unreadable). */
  | 'no_capture_clock';

export const UNCORRECTED_REASONS: readonly UncorrectedReason[] = ['earlier_boot', 'not_synced_yet', 'no_capture_clock'];

export type CaptureCorrection =
  | { kind: 'synced' }
  | { kind: 'corrected'; capturedAtMs: number }
  | { kind: 'uncorrected'; reason: UncorrectedReason };

/** Corrected times outside these years come from damaged stored values (as radio/plausibility.ts bounds time stamps). */
const PLAUSIBLE_FROM_MS = Date.UTC(2000, 0, 1);
const PLAUSIBLE_TO_MS = Date.UTC(2100, 0, 1);

/** Decides a record's capture time at send time (the batch publisher asks it for each record). */
export interface CaptureCorrector {
  correct(fields: Partial<CaptureClockFields>): CaptureCorrection;
}

/**
 * The correction of one record, given the current boot and the latest synchronised moment seen in
 * it. Records captured synchronised need none. A record whose status was unknown (null) is corrected
 * too: without a clock step in between the result equals its capturedAt, so nothing is lost by it.
 */
export function correctCapture(
  fields: Partial<CaptureClockFields>,
  currentBootId: string | null,
  sync: SyncPoint | null,
): CaptureCorrection {
  if (fields.clockSynced === true) return { kind: 'synced' };
  const { bootId, monoMs } = fields;
  if (typeof bootId !== 'string' || typeof monoMs !== 'number' || !Number.isFinite(monoMs)) {
    return { kind: 'uncorrected', reason: 'no_capture_clock' };
  }
  if (currentBootId !== null && bootId !== currentBootId) return { kind: 'uncorrected', reason: 'earlier_boot' };
  if (sync === null || sync.bootId !== bootId) return { kind: 'uncorrected', reason: 'not_synced_yet' };
  const capturedAtMs = Math.round(monoMs + sync.wallMinusMonoMs);
  // A damaged monoMs must not yield a time Date cannot print, nor one no frame was captured at.
  if (!(capturedAtMs >= PLAUSIBLE_FROM_MS && capturedAtMs < PLAUSIBLE_TO_MS)) return { kind: 'uncorrected', reason: 'no_capture_clock' };
  return { kind: 'corrected', capturedAtMs };
}

/** The corrector that knows of no synchronised moment (tests, tools). */
export const NO_CORRECTION: CaptureCorrector = {
  correct: (fields) => correctCapture(fields, null, null),
};
