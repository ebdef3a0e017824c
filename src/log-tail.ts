// The last warnings and errors the daemon logged, kept in memory for the technician's page. Fed by
// a pino hook (log.ts), so every part's warnings arrive without the parts knowing. Only the message,
// the part and the error text are kept, each shortened: secrets are never passed to the logger, and
// this keeps no other field of the log call.
import { RingBuffer } from './ring-buffer.js';
import { shorten } from './bounded-text.js';

export interface LogTailEntry {
  /** ms since the Unix epoch. */
  time: number;
  level: 'warn' | 'error' | 'fatal';
  /** The part that logged it (child logger binding), when known. */
  part: string | null;
  msg: string;
  /** The `err` field of the log call, when it had one. */
  err: string | null;
}

const MAX_TEXT = 300;

export class LogTail {
  private readonly entries: RingBuffer<LogTailEntry>;
  /** Warnings and errors seen since start, including those no longer kept. */
  readonly counts = { warn: 0, error: 0, fatal: 0 };

  constructor(capacity = 50, private readonly now: () => number = Date.now) {
    this.entries = new RingBuffer(capacity);
  }

  /** pino's level number and the arguments of the log call, as the logMethod hook sees them. */
  note(levelNumber: number, args: readonly unknown[], bindings: Record<string, unknown>): void {
    const level = levelNumber >= 60 ? 'fatal' : levelNumber >= 50 ? 'error' : levelNumber >= 40 ? 'warn' : null;
    if (level === null) return;
    const [first, second] = args;
    let msg = '';
    let err: string | null = null;
    if (typeof first === 'string') msg = first;
    else if (first instanceof Error) {
      err = first.message;
      msg = typeof second === 'string' ? second : first.message;
    } else if (typeof first === 'object' && first !== null) {
      if (typeof second === 'string') msg = second;
      const e = (first as { err?: unknown }).err;
      if (typeof e === 'string') err = e;
      else if (e instanceof Error) err = e.message;
    }
    this.counts[level] += 1;
    this.entries.push({
      time: this.now(),
      level,
      part: typeof bindings.part === 'string' ? bindings.part : null,
      msg: shorten(msg, MAX_TEXT),
      err: err === null ? null : shorten(err, MAX_TEXT),
    });
  }

  /** Newest first. */
  recent(n = 50): LogTailEntry[] {
    return this.entries.newest(n);
  }
}
