// Frames per minute and outbox depth over the last hour, for the chart on the technician's page.
// Sampled by a timer (a few seconds apart) from counters that only grow (frames received) and a
// level (outbox depth); at most `minutes` buckets are kept, so memory is fixed.
import { RingBuffer } from '../ring-buffer.js';

export interface MinuteBucket {
  /** Start of the minute, ms since the Unix epoch. */
  t: number;
  /** Frames received during the minute (so far, for the current one). */
  frames: number;
  /** Outbox depth at the last sample of the minute, and the largest seen in it. */
  depth: number;
  maxDepth: number;
}

export class MinuteHistory {
  private readonly buckets: RingBuffer<MinuteBucket>;
  private current: MinuteBucket | null = null;
  private lastFrames: number | null = null;

  constructor(readonly minutes = 60) {
    this.buckets = new RingBuffer(minutes);
  }

  sample(framesTotal: number, depth: number, now = Date.now()): void {
    const t = now - (now % 60_000);
    // A counter that went backwards (should not happen) counts from its new value.
    const added = this.lastFrames === null || framesTotal < this.lastFrames ? 0 : framesTotal - this.lastFrames;
    this.lastFrames = framesTotal;
    if (this.current === null || this.current.t !== t) {
      if (this.current) this.buckets.push(this.current);
      this.current = { t, frames: 0, depth, maxDepth: depth };
    }
    this.current.frames += added;
    this.current.depth = depth;
    this.current.maxDepth = Math.max(this.current.maxDepth, depth);
  }

  /** Oldest first, the current minute last; at most `minutes` buckets. */
  series(): MinuteBucket[] {
    const done = this.buckets.toArray();
    if (!this.current) return done;
    return [...done.slice(done.length === this.minutes ? 1 : 0), { ...this.current }];
  }
}
