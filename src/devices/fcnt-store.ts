// The last accepted 32-bit FCnt of each ABP device, kept across restarts.
//
// Why LevelDB and not one atomically rewritten file: a rewrite copies every device's counter on
// each flush (a few tens of KB per second for a busy gateway, every second, on an SD card),
// while a LevelDB batch appends only the counters that changed (~30 bytes each) to its log.
// Writes are grouped: changed counters are flushed once per interval and at close. Without
// fsync a process crash loses nothing written; a power cut may lose the last interval, after
// which a replay of those few frames would be accepted once.
//
// Key: DevEUI (hex). Value: 8 bytes, DevAddr u32 BE then FCnt u32 BE. The DevAddr is part of the
// value so that re-registering a device with a new DevAddr starts a new counter.
import { openStateDbRecovering, StateDbError, type StateDb } from '../state-db.js';
import type { StoreRecovery } from '../store-recovery.js';
import type { Logger } from '../log.js';
import { DeviceStateError, DeviceStateLockedError } from './errors.js';

interface Session {
  devAddr: number;
  fCnt: number;
}

export interface FCntStoreOptions {
  /** How often changed counters are written (default 1000 ms). */
  flushIntervalMs?: number;
  logger: Logger;
  /** Damaged-store recoveries done at open are added here (health, metrics). */
  recoveries?: StoreRecovery[];
}

async function readSessions(db: StateDb): Promise<{ sessions: Map<string, Session>; skipped: number }> {
  const sessions = new Map<string, Session>();
  let skipped = 0;
  for await (const [key, value] of db.iterator()) {
    if (value.length !== 8 || !/^[0-9a-f]{16}$/.test(key)) {
      skipped += 1;
      continue;
    }
    sessions.set(key, { devAddr: value.readUInt32BE(0), fCnt: value.readUInt32BE(4) });
  }
  return { sessions, skipped };
}

export class FCntStore {
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private writeFailureLogged = false;

  private constructor(
    private readonly db: StateDb,
    private readonly log: Logger,
    flushIntervalMs: number,
    private readonly sessions: Map<string, Session>,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  static async open(dir: string, opts: FCntStoreOptions): Promise<FCntStore> {
    let opened: { db: StateDb; loaded: { sessions: Map<string, Session>; skipped: number } };
    try {
      // A damaged store is repaired or moved aside: replays of frames older than the lost counters
      // are then not flagged until each device passes its old counter again.
      opened = await openStateDbRecovering(dir, 'device state', readSessions, { logger: opts.logger, recoveries: opts.recoveries });
    } catch (err) {
      if (err instanceof StateDbError && err.locked) throw new DeviceStateLockedError(dir, err.cause);
      throw new DeviceStateError((err as Error).message, { cause: err });
    }
    const store = new FCntStore(opened.db, opts.logger, opts.flushIntervalMs ?? 1000, opened.loaded.sessions);
    if (opened.loaded.skipped > 0) opts.logger.warn({ dir, skipped: opened.loaded.skipped }, 'ignored malformed device state entries');
    return store;
  }

  /** Devices with a stored counter. */
  get size(): number {
    return this.sessions.size;
  }

  /** Counters changed since the last successful write. */
  get pendingWrites(): number {
    return this.dirty.size;
  }

  /** The last accepted counter of the device's session at `devAddr`, or undefined for a new session. */
  last(devEui: string, devAddr: number): number | undefined {
    const s = this.sessions.get(devEui);
    return s !== undefined && s.devAddr === devAddr ? s.fCnt : undefined;
  }

  accept(devEui: string, devAddr: number, fCnt: number): void {
    const s = this.sessions.get(devEui);
    if (s !== undefined) {
      s.devAddr = devAddr;
      s.fCnt = fCnt;
    } else {
      this.sessions.set(devEui, { devAddr, fCnt });
    }
    this.dirty.add(devEui);
  }

  /** Writes the changed counters in one batch; failures are logged and retried at the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeDirty());
    return this.flushing;
  }

  private async writeDirty(): Promise<void> {
    if (this.dirty.size === 0 || this.db.status !== 'open') return;
    const keys = [...this.dirty];
    this.dirty.clear();
    const ops = keys.map((key) => {
      const s = this.sessions.get(key) as Session;
      const value = Buffer.alloc(8);
      value.writeUInt32BE(s.devAddr >>> 0, 0);
      value.writeUInt32BE(s.fCnt >>> 0, 4);
      return { type: 'put' as const, key, value };
    });
    try {
      await this.db.batch(ops);
      this.writeFailureLogged = false;
    } catch (err) {
      for (const k of keys) this.dirty.add(k);
      if (!this.writeFailureLogged) {
        this.writeFailureLogged = true;
        this.log.warn({ err: (err as Error).message, pending: this.dirty.size }, 'cannot save device frame counters; will retry');
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    await this.db.close();
  }
}
