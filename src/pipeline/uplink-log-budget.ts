// How many per-uplink lines are written at info level: at most `perSecond` in each second, the rest
// counted and reported in one line when the next second starts. A gateway hearing hundreds of frames
// a second would otherwise write a line for each: journald suppresses a service beyond 10,000 lines
// in 30 s (and so loses other lines too), the SD card wears, and the daemon spends a third of its
// allocations on log text. At debug level every uplink is logged.

export interface UplinkLogTurn {
  /** Whether this uplink gets its own info line. */
  log: boolean;
  /** Uplinks left unlogged in the second that just ended (report it once); 0 when none. */
  unloggedBefore: number;
}

export class UplinkLogBudget {
  private windowStart = -Infinity;
  private used = 0;
  private unlogged = 0;

  constructor(private readonly perSecond: number) {
    if (!Number.isInteger(perSecond) || perSecond < 0) throw new RangeError(`uplink log lines per second must be an integer >= 0, got ${perSecond}`);
  }

  take(nowMs: number): UplinkLogTurn {
    let unloggedBefore = 0;
    if (nowMs - this.windowStart >= 1000 || nowMs < this.windowStart) {
      unloggedBefore = this.unlogged;
      this.windowStart = nowMs;
      this.used = 0;
      this.unlogged = 0;
    }
    if (this.used < this.perSecond) {
      this.used += 1;
      return { log: true, unloggedBefore };
    }
    this.unlogged += 1;
    return { log: false, unloggedBefore };
  }
}
