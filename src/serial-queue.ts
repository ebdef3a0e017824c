// Runs async jobs one at a time, in call order; a job that fails does not stop the ones after it.
// The outbox runs every mutation of its store through one, so its counters and meta entry are
// always computed from a settled state; the hub's SQLite store, the device directory's reloads
// and the fleet's message handling use one the same way.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every job queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
