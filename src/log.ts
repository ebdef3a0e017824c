// One pino logger for the whole daemon; parts get child loggers named after themselves.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent;
  /** Where to write; defaults to stdout (fd 1). Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const dest = opts.destination ?? pino.destination({ fd: 1, sync: false });
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Secrets never reach the log, even when a config object is logged whole.
      redact: { paths: ['*.password', '*.nwkSKey', '*.appSKey', '*.appKey', 'password'], censor: '[secret]' },
    },
    dest as pino.DestinationStream,
  );
}

/** A logger that discards everything (tests and tools that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
