// Back-pressure at the door: when the outbox cannot keep up (records appended but not yet written
// reach a bound sized for a 1 GB gateway), the radio sources refuse new frames before parsing them,
// until the backlog has halved. What is refused is counted per reason and logged once per episode
// (start: the bound and the backlog; end: how many frames were refused, for how long). Records
// already accepted are never dropped to make room: they are the promise.
import type { Logger } from '../log.js';
import type { FrameDoor } from '../radio/frame-door.js';
import { Episode } from '../outbox/episode.js';

/** What the outbox holds in memory until written (Outbox.waiting). */
export type WaitingLoad = () => { records: number; bytes: number };

export interface OverloadDoorOptions {
  waiting: WaitingLoad;
  /** Close the door at this many waiting records... */
  maxWaitingRecords?: number;
  /** ...or this many waiting record bytes; it opens again below half of both. */
  maxWaitingBytes?: number;
  logger: Logger;
  now?: () => number;
}

export interface OverloadDoorCounters {
  open: boolean;
  /** Frames refused at the closed door, by reason. */
  refused: { overload: number };
  /** Times the door closed. */
  episodes: number;
  maxWaitingRecords: number;
  maxWaitingBytes: number;
}

/** A few seconds of a busy gateway's traffic, a few MB: far above what a healthy disk ever lets wait. */
export const DEFAULT_MAX_WAITING_RECORDS = 4096;
export const DEFAULT_MAX_WAITING_BYTES = 4 * 1024 * 1024;

export class OverloadDoor implements FrameDoor {
  private closed = false;
  private readonly episode = new Episode();
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private refusedOverload = 0;
  private closings = 0;

  constructor(private readonly opts: OverloadDoorOptions) {
    this.maxRecords = opts.maxWaitingRecords ?? DEFAULT_MAX_WAITING_RECORDS;
    this.maxBytes = opts.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES;
    this.now = opts.now ?? Date.now;
  }

  get open(): boolean {
    const { records, bytes } = this.opts.waiting();
    if (!this.closed) {
      if (records >= this.maxRecords || bytes >= this.maxBytes) this.close(records, bytes);
    } else if (records <= this.maxRecords / 2 && bytes <= this.maxBytes / 2) {
      this.reopen();
    }
    return !this.closed;
  }

  /** The sources count their own refusals too (per source); this is the daemon's total. */
  refused(_source: string, frames: number): void {
    this.refusedOverload += frames;
    if (this.closed) this.episode.record(frames, this.now());
  }

  /** Looks at the load too: a door closed by the last frame of a flood opens here once it drained. */
  counters(): OverloadDoorCounters {
    return {
      open: this.open,
      refused: { overload: this.refusedOverload },
      episodes: this.closings,
      maxWaitingRecords: this.maxRecords,
      maxWaitingBytes: this.maxBytes,
    };
  }

  private close(records: number, bytes: number): void {
    this.closed = true;
    this.closings += 1;
    this.episode.record(0, this.now());
    this.opts.logger.warn(
      { waitingRecords: records, waitingBytes: bytes, maxWaitingRecords: this.maxRecords, maxWaitingBytes: this.maxBytes },
      'overload: the outbox cannot keep up, refusing new radio frames until its backlog halves (refused frames are counted, not stored)',
    );
  }

  private reopen(): void {
    this.closed = false;
    const ended = this.episode.end(this.now());
    this.opts.logger.warn(
      { refusedFrames: ended?.affected ?? 0, durationMs: ended?.durationMs ?? 0, refusedTotal: this.refusedOverload },
      `overload over: taking radio frames again; ${ended?.affected ?? 0} frames were refused during it`,
    );
  }
}
