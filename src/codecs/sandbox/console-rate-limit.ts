// Decides which of a codec's console lines reach the daemon log: a token bucket per codec, so a
// codec that logs on every frame cannot flood the log of a busy gateway. Lines held back are
// counted and the count is reported with the next line that passes. Pure (the clock is injected).

export interface ConsoleRateOptions {
  /** Lines that may pass at once. */
  burst: number;
  /** Lines that may pass per minute once the burst is used. */
  perMinute: number;
  now?: () => number;
}

export const DEFAULT_CONSOLE_RATE: ConsoleRateOptions = { burst: 20, perMinute: 30 };

export class ConsoleRateLimit {
  private tokens: number;
  private last: number;
  private held = 0;
  private readonly now: () => number;

  constructor(private readonly options: ConsoleRateOptions = DEFAULT_CONSOLE_RATE) {
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.burst;
    this.last = this.now();
  }

  /** Returns undefined when the line is held back, else how many lines were held back before it. */
  admit(): number | undefined {
    const t = this.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((t - this.last) * this.options.perMinute) / 60_000);
    this.last = t;
    if (this.tokens < 1) {
      this.held += 1;
      return undefined;
    }
    this.tokens -= 1;
    const held = this.held;
    this.held = 0;
    return held;
  }
}
