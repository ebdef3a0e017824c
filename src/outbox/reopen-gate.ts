// Decides when the outbox may close and reopen its LevelDB store after writes kept failing.
// LevelDB keeps a failed background write (disk full during a compaction) as a sticky error and
// refuses every later write until the store is reopened, even once space is back; reopening is the
// only way out. The gate makes that reopen rare: only with room on the file system, and not more
// often than once per retry interval (a failing SD card with free space must not reopen in a loop).
import { statfs } from 'node:fs/promises';

export class ReopenGate {
  private lastAttemptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly retryMs: number,
    private readonly now: () => number,
  ) {}

  /** True when a reopen may be tried now; at most one true or space check per interval. */
  async due(): Promise<boolean> {
    const now = this.now();
    if (now - this.lastAttemptAt < this.retryMs) return false;
    // Noted before the check: a full disk is looked at once per interval, not on every write.
    this.lastAttemptAt = now;
    const free = await freeBytes(this.dir);
    // A reopen writes the recovered memtable out as a new table: without room it would fail too.
    return free === null || free >= this.minFreeBytes;
  }
}

/** Bytes available to this process on the file system holding `dir`; null when unknown. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
