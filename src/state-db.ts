// Small LevelDB stores for state (frame counters, edge sessions): opened the same way, with a
// tiny memtable and cache, and a locked store (another daemon running) told apart from other failures.
import fs from 'node:fs';
import { Level } from 'level';
import type { Logger } from './log.js';
import { openRecovering, type StoreRecovery } from './store-recovery.js';

export type StateDb = Level<string, Buffer>;

/** LevelDB refuses a store another process holds. */
export function isLevelLocked(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return !!e && typeof e === 'object' && (e.code === 'LEVEL_LOCKED' || e.cause?.code === 'LEVEL_LOCKED');
}

export class StateDbError extends Error {
  constructor(
    message: string,
    readonly locked: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StateDbError';
  }
}

/**
 * Like openStateDb, but a damaged store is repaired or moved aside (see store-recovery.ts) instead
 * of failing; `read` loads what must be readable. What was done lands in `recoveries`.
 */
export async function openStateDbRecovering<T>(
  dir: string,
  what: string,
  read: (db: StateDb) => Promise<T>,
  o: { dirMode?: number; logger: Logger; recoveries?: StoreRecovery[] },
): Promise<{ db: StateDb; loaded: T }> {
  const { value, recovery } = await openRecovering({
    dir,
    store: what,
    isLocked: (err) => err instanceof StateDbError && err.locked,
    logger: o.logger,
    open: async () => {
      const db = await openStateDb(dir, what, o.dirMode);
      try {
        return { db, loaded: await read(db) };
      } catch (err) {
        await db.close().catch(() => undefined);
        throw err;
      }
    },
  });
  if (recovery) o.recoveries?.push(recovery);
  return value;
}

/** Creates the directory if needed and opens the store; throws StateDbError saying what failed. */
export async function openStateDb(dir: string, what: string, dirMode?: number): Promise<StateDb> {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: dirMode });
  } catch (err) {
    throw new StateDbError(`cannot create the ${what} directory ${dir}: ${(err as Error).message}`, false, { cause: err });
  }
  const db: StateDb = new Level<string, Buffer>(dir, {
    keyEncoding: 'utf8',
    valueEncoding: 'buffer',
    // A few bytes per device: the smallest buffers LevelDB allows are plenty.
    writeBufferSize: 256 * 1024,
    cacheSize: 256 * 1024,
  } as ConstructorParameters<typeof Level<string, Buffer>>[1]);
  try {
    await db.open();
  } catch (err) {
    const locked = isLevelLocked(err);
    throw new StateDbError(
      locked
        ? `${what} ${dir} is locked by another process (is another lora-edge daemon running?)`
        : `cannot open the ${what} ${dir}: ${(err as Error).message}`,
      locked,
      { cause: err },
    );
  }
  return db;
}
