// For the systemd watchdog: the daemon is alive when the event loop runs (we are called from a
// timer) and the outbox is not stuck (records waiting have been written within the last 30 s).
export class OutboxLiveness {
  private lastFlushes = -1;
  private lastProgressAt = Date.now();

  constructor(private readonly stats: () => { pending: number; flushes: number }) {}

  isAlive(now = Date.now()): boolean {
    const st = this.stats();
    if (st.pending === 0 || st.flushes !== this.lastFlushes) this.lastProgressAt = now;
    this.lastFlushes = st.flushes;
    return now - this.lastProgressAt < 30_000;
  }
}
