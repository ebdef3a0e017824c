// Counts a codec's failed calls and decides when it is quarantined. Pure.

import { CODEC_FAILURE_REASONS, type CodecFailureReason } from './errors.js';

export class FailureTracker {
  failures = 0;
  consecutive = 0;
  quarantined = false;
  readonly byReason: Record<CodecFailureReason, number>;

  /** `quarantineAfter` <= 0 or Infinity never quarantines. */
  constructor(readonly quarantineAfter: number) {
    this.byReason = Object.fromEntries(CODEC_FAILURE_REASONS.map((r) => [r, 0])) as Record<CodecFailureReason, number>;
  }

  recordSuccess(): void {
    this.consecutive = 0;
  }

  /** Returns true when this failure is the one that quarantined the codec. */
  recordFailure(reason: CodecFailureReason): boolean {
    this.failures += 1;
    this.consecutive += 1;
    this.byReason[reason] += 1;
    if (this.quarantined || this.quarantineAfter <= 0) return false;
    if (this.consecutive >= this.quarantineAfter) {
      this.quarantined = true;
      return true;
    }
    return false;
  }

  release(): void {
    this.quarantined = false;
    this.consecutive = 0;
  }

  quarantineMessage(): string {
    return `codec quarantined after ${this.quarantineAfter} consecutive failures`;
  }
}
