import { isLevelLocked } from '../state-db.js';
// Typed errors of the outbox, each with a message an operator can act on.

export class OutboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another process (normally the running daemon) holds the LevelDB lock on the directory. */
export class OutboxLockedError extends OutboxError {
  readonly dir: string;
  constructor(dir: string, cause?: unknown) {
    super(
      `outbox ${dir} is locked by another process: the lora-edge daemon holds this lock while it runs. ` +
        'Stop the daemon first (e.g. `systemctl stop lora-edge`), then retry.',
      { cause },
    );
    this.dir = dir;
  }
}

/** The directory does not exist or holds no outbox store (operator tools never create one). */
export class OutboxNotFoundError extends OutboxError {
  readonly dir: string;
  constructor(dir: string, detail: string, cause?: unknown) {
    super(`no outbox at ${dir}: ${detail}`, { cause });
    this.dir = dir;
  }
}

/** The store could not be opened for another reason (corruption, permissions, I/O). */
export class OutboxOpenError extends OutboxError {
  readonly dir: string;
  constructor(dir: string, cause: unknown) {
    super(`cannot open outbox ${dir}: ${describeCause(cause)}`, { cause });
    this.dir = dir;
  }
}

/** append() after close() started. */
export class OutboxClosedError extends OutboxError {
  constructor(operation: string) {
    super(`outbox is closed: cannot ${operation}`);
  }
}

/** A caller passed something the outbox cannot take (bad record, bad seq range, bad limits). */
export class OutboxArgumentError extends OutboxError {}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}

/** True when a classic-level open error means the LOCK file is held by another handle/process. */
export const isLockedError = isLevelLocked;
