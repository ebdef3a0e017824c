// Request/response correlation: a caller waits for the first incoming message that matches, with a
// deadline. Incoming messages are offered to waiters in the order the waits began; a message no
// waiter wants is left to the caller (offer returns false).
import { CommandTimeoutError } from './errors.js';

interface Waiter<T> {
  matches: (message: T) => boolean;
  resolve: (message: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class Waitress<T> {
  private readonly waiters: Waiter<T>[] = [];

  /** Resolves with the first offered message for which `matches` is true; rejects with CommandTimeoutError after `timeoutMs`. */
  waitFor(matches: (message: T) => boolean, timeoutMs: number, description: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(new CommandTimeoutError(description, timeoutMs));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Hands a message to the oldest waiter that wants it. Returns false when nobody did. */
  offer(message: T): boolean {
    for (const waiter of this.waiters) {
      if (!waiter.matches(message)) continue;
      this.remove(waiter);
      waiter.resolve(message);
      return true;
    }
    return false;
  }

  /** Rejects every pending wait (the port closed, the session ended). */
  cancelAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  get pending(): number {
    return this.waiters.length;
  }

  private remove(waiter: Waiter<T>): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
  }
}
