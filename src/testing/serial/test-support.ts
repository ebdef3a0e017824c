// Small helpers for serial tests and benchmarks: polling for a condition, capturing log lines.
import { Writable } from 'node:stream';
import { type Logger, createLogger } from '../../log.js';

/** Resolves once `condition()` holds; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface CapturedLog {
  logger: Logger;
  /** Parsed log records so far. */
  records(): Array<Record<string, unknown> & { level: string; msg?: string }>;
  /** Records whose message contains `text`. */
  matching(text: string): Array<Record<string, unknown>>;
}

/** A real pino logger writing into memory. */
export function captureLogger(level: 'debug' | 'info' | 'warn' = 'debug'): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line.length > 0));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const records = (): Array<Record<string, unknown> & { level: string; msg?: string }> => lines.map((line) => JSON.parse(line));
  return {
    logger,
    records,
    matching: (text) => records().filter((record) => typeof record.msg === 'string' && record.msg.includes(text)),
  };
}
