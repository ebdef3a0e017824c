// Opening a LevelDB store that a power cut or a failing SD card damaged: try LevelDB's repair first;
// if the store still cannot be opened, move it aside (`<dir>.damaged-<time>`, kept for salvage with
// `lora-edge outbox export --dir`) and start a fresh one. A damaged store must never keep the
// gateway from forwarding live traffic; what was done is logged, reported and kept for health.
// A store the file system refuses (full, read-only, files not the daemon's) is not damaged: it is
// left exactly as it is and the open fails, so the daemon's next start (systemd restarts it) opens
// it whole once the cause is gone. Moving it aside would have orphaned an outage's backlog.
import fs from 'node:fs';
import { Level } from 'level';
import type { Logger } from './log.js';

export interface StoreRecovery {
  /** Which store: outbox, device state, edge state. */
  store: string;
  dir: string;
  action: 'repaired' | 'moved-aside';
  /** Where the damaged store now lies (moved-aside only). */
  movedTo: string | null;
  /** Why it could not be opened as it was. */
  reason: string;
  at: string;
}

export interface RecoveringOpenOptions<T> {
  dir: string;
  store: string;
  /** Opens the store and reads what must be readable for it to be usable; throws when damaged. */
  open: () => Promise<T>;
  /** A store held by another process is not damaged: that error is passed on untouched. */
  isLocked: (err: unknown) => boolean;
  logger: Logger;
  now?: () => Date;
}

/** strerror texts of a file system that refuses, which neither a repair nor a fresh store can get past. */
const REFUSED_BY_FILE_SYSTEM = /No space left on device|Disk quota exceeded|Read-only file system|Permission denied|Operation not permitted/i;

/** The store could not be opened because its file system refused; nothing in it was changed. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: string,
    readonly dir: string,
    readonly reason: string,
  ) {
    super(
      `the ${store} store in ${dir} cannot be opened: ${reason}. It is not damaged and was left as it is: ` +
        'make room on its file system (or give its files back to the daemon\'s user); the next start opens it whole',
    );
    this.name = 'StoreUnavailableError';
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return [e?.message, e?.cause?.message].filter(Boolean).join(': ') || String(err);
}

/** `<dir>.damaged-20261206T101112Z`, with a counter if that name is taken. */
function damagedPath(dir: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let candidate = `${dir}.damaged-${stamp}`;
  for (let i = 2; fs.existsSync(candidate); i++) candidate = `${dir}.damaged-${stamp}-${i}`;
  return candidate;
}

export async function openRecovering<T>(o: RecoveringOpenOptions<T>): Promise<{ value: T; recovery: StoreRecovery | null }> {
  let firstError: unknown;
  try {
    return { value: await o.open(), recovery: null };
  } catch (err) {
    if (o.isLocked(err)) throw err;
    firstError = err;
  }
  const reason = describe(firstError);
  if (REFUSED_BY_FILE_SYSTEM.test(reason)) throw refused(o, reason);
  const at = (o.now ?? (() => new Date()))();
  o.logger.error({ dir: o.dir, err: reason }, `the ${o.store} store cannot be opened (damaged?); trying LevelDB's repair`);
  try {
    await (Level as unknown as { repair(dir: string): Promise<void> }).repair(o.dir);
    const value = await o.open();
    o.logger.warn({ dir: o.dir }, `the ${o.store} store was repaired; records in damaged blocks may be lost`);
    return { value, recovery: { store: o.store, dir: o.dir, action: 'repaired', movedTo: null, reason, at: at.toISOString() } };
  } catch (err) {
    if (o.isLocked(err)) throw err;
    const repairError = describe(err);
    o.logger.error({ dir: o.dir, err: repairError }, `LevelDB's repair did not make the ${o.store} store usable`);
    // Damaged and on a full disk: a fresh store could not be written either; the next start repairs.
    if (REFUSED_BY_FILE_SYSTEM.test(repairError)) throw refused(o, repairError);
  }
  const movedTo = damagedPath(o.dir, at);
  fs.renameSync(o.dir, movedTo);
  const value = await o.open();
  o.logger.error(
    { dir: o.dir, movedTo, reason },
    `the damaged ${o.store} store was moved aside and a fresh one started; salvage it with ` +
      (o.store === 'outbox' ? `"lora-edge outbox export --dir ${movedTo}"` : 'LevelDB tools'),
  );
  return { value, recovery: { store: o.store, dir: o.dir, action: 'moved-aside', movedTo, reason, at: at.toISOString() } };
}

function refused<T>(o: RecoveringOpenOptions<T>, reason: string): StoreUnavailableError {
  const err = new StoreUnavailableError(o.store, o.dir, reason);
  o.logger.error({ dir: o.dir }, err.message);
  return err;
}
