// One pino logger for the whole daemon; parts get child loggers named after themselves.
// Secrets (keys, passwords) are never passed to the logger in the first place, so no per-call
// redaction is paid on the hot path.
// Two formats: JSON lines (journald, pipes, files) and pretty lines for a person at a terminal
// (`log.format`; `auto` picks pretty when stdout is a TTY). Warnings and errors also go to a
// bounded LogTail that the technician's page shows.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { prettyFactory } from 'pino-pretty';
import { LogTail } from './log-tail.js';

export type { Logger };

export type LogFormat = 'auto' | 'pretty' | 'json';

export interface LogOptions {
  level?: LevelWithSilent;
  /** `auto` (default): pretty when stdout is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where to write; defaults to stdout (fd 1). Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
  /** Keeps the last warnings and errors (the technician's page); none when absent. */
  tail?: LogTail;
}

/** The format `auto` resolves to, and whether pretty lines get colours (a TTY, and no NO_COLOR). */
export function chooseLogFormat(
  format: LogFormat,
  stdout: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): { format: 'pretty' | 'json'; colour: boolean } {
  const tty = stdout.isTTY === true;
  const resolved = format === 'auto' ? (tty ? 'pretty' : 'json') : format;
  // https://no-color.org: any non-empty value turns colours off.
  const colour = resolved === 'pretty' && tty && !env.NO_COLOR && env.TERM !== 'dumb';
  return { format: resolved, colour };
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

/**
 * pino-pretty (CommonJS) is loaded only for pretty output: the daemon under systemd logs JSON, and
 * the formatter and its own modules (dateformat, colorette, fast-copy) held about 0.3 MB of heap.
 */
function loadPrettyFactory(): typeof prettyFactory {
  return (createRequire(import.meta.url)('pino-pretty') as { prettyFactory: typeof prettyFactory }).prettyFactory;
}

/**
 * Pretty lines, formatted and written synchronously: a person reads them at human speed, and no line
 * is lost when the process exits (a worker transport could still hold some).
 */
function prettyDestination(colour: boolean, out?: NodeJS.WritableStream): pino.DestinationStream {
  const format = loadPrettyFactory()({
    colorize: colour,
    translateTime: 'SYS:HH:MM:ss.l',
    // One line per event, the part first: "[12:00:01.234] WARN: mqtt: MQTT connection error {"err":…}".
    singleLine: true,
    messageFormat: '{if part}{part}: {end}{msg}',
    ignore: 'pid,hostname,part',
    // Our `err` fields are one-line messages, not error objects with stacks: keep them on the line.
    errorLikeObjectKeys: [],
  });
  return {
    write(line: string) {
      const text = format(line);
      if (out) out.write(text);
      else {
        try {
          writeSync(1, text);
        } catch {
          // stdout closed (the terminal went away): logging must never stop the daemon.
        }
      }
    },
  };
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const { format, colour } = chooseLogFormat(opts.format ?? 'auto', opts.destination ? {} : process.stdout);
  const dest =
    format === 'pretty'
      ? prettyDestination(colour, opts.destination)
      : ((opts.destination as pino.DestinationStream | undefined) ?? bufferedStdout());
  const tail = opts.tail;
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // pino refuses `hooks: undefined`: the key is there only with a tail.
      ...(tail && {
        hooks: {
          logMethod(args, method, levelNumber) {
            if (levelNumber >= 40) tail.note(levelNumber, args, this.bindings());
            method.apply(this, args);
          },
        },
      }),
    },
    dest,
  );
  if (tail) tails.set(logger, tail);
  return logger;
}

const tails = new WeakMap<Logger, LogTail>();

/** The tail createLogger attached to this (root) logger, if any. */
export function logTailOf(logger: Logger): LogTail | undefined {
  return tails.get(logger);
}

/** A logger that discards everything (tests and tools that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
