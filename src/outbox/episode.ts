// Tracks one "episode" of a recurring problem (store full, writes failing, ...) so the caller logs
// one line when it starts and one when it ends, instead of one line per affected record.

export class Episode {
  private activeSince: number | null = null;
  private affected = 0;

  get active(): boolean {
    return this.activeSince !== null;
  }

  /** Counts `n` affected items; true when this call started a new episode (log the warning now). */
  record(n: number, now: number): boolean {
    const started = this.activeSince === null;
    if (started) {
      this.activeSince = now;
      this.affected = 0;
    }
    this.affected += n;
    return started;
  }

  /** Ends the episode; returns what it affected (log the summary), or null when none was active. */
  end(now: number): { affected: number; durationMs: number } | null {
    if (this.activeSince === null) return null;
    const summary = { affected: this.affected, durationMs: now - this.activeSince };
    this.activeSince = null;
    this.affected = 0;
    return summary;
  }
}
