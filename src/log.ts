// One pino logger for the whole daemon; parts get child loggers named after themselves.
// Secrets (keys, passwords) are never passed to the logger in the first place, so no per-call
// redaction is paid on the hot path.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent;
  /** Where to write; defaults to stdout (fd 1). Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

/** Buffered stdout: lines are written in chunks of up to 4 KiB, and at least every 200 ms. */
function bufferedStdout(): pino.DestinationStream {
  const dest = pino.destination({ fd: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      dest.flush();
    } catch {
      // Nothing buffered yet, or the stream is closing.
    }
  }, 200);
  timer.unref();
  return dest;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const dest = (opts.destination as pino.DestinationStream | undefined) ?? bufferedStdout();
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

/** A logger that discards everything (tests and tools that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
