// Edge state on disk: a LevelDB of its own (keys `d:<devEui>` device state, `n:<devEui>` used
// DevNonces, `meta`). Changes are written in one batch per interval; joins, queue changes and
// FCntDown use are written at once (flush) before the radio or the hub hears of them, so a crash
// can neither reuse a DevNonce or FCntDown nor lose a command reported as queued.
import { openStateDbRecovering, type StateDb } from '../state-db.js';
import type { StoreRecovery } from '../store-recovery.js';
import type { Logger } from '../log.js';
import { EdgeState } from './edge-state.js';
import { EdgeStateError } from './errors.js';
import { decodeDeviceState, decodeMeta, decodeNonces, encodeDeviceState, encodeMeta, encodeNonces } from './state-encoding.js';

type Db = StateDb;

export interface EdgeStoreOptions {
  logger: Logger;
  /** How often counters changed by uplinks are written (default 1000 ms). */
  flushIntervalMs?: number;
  /** Damaged-store recoveries done at open are added here (health, metrics). */
  recoveries?: StoreRecovery[];
}

async function readEdgeState(db: Db): Promise<{ state: EdgeState; problems: string[] }> {
  const state = new EdgeState();
  const problems: string[] = [];
  for await (const [key, value] of db.iterator()) {
    if (key === 'meta') {
      const meta = decodeMeta(value.toString('utf8'));
      if (typeof meta === 'string') problems.push(`meta: ${meta}`);
      else state.meta = meta;
    } else if (/^d:[0-9a-f]{16}$/.test(key)) {
      const s = decodeDeviceState(value.toString('utf8'));
      if (typeof s === 'string') problems.push(`${key.slice(2)}: ${s}`);
      else state.load(key.slice(2), s);
    } else if (/^n:[0-9a-f]{16}$/.test(key)) {
      const nonces = decodeNonces(value);
      if (typeof nonces === 'string') problems.push(`${key.slice(2)}: ${nonces}`);
      else state.loadNonces(key.slice(2), nonces);
    } else {
      problems.push(`unexpected key ${key}`);
    }
  }
  return { state, problems };
}

export class EdgeStore {
  private readonly timer: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private failureLogged = false;
  private closed = false;

  private constructor(
    private readonly db: Db,
    readonly state: EdgeState,
    private readonly log: Logger,
    flushIntervalMs: number,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), flushIntervalMs);
    this.timer.unref();
  }

  static async open(dir: string, opts: EdgeStoreOptions): Promise<EdgeStore> {
    let opened: { db: Db; loaded: { state: EdgeState; problems: string[] } };
    try {
      // Sessions hold keys: the directory is the service user's alone. A damaged store is repaired
      // or moved aside: devices whose sessions were lost must join again.
      opened = await openStateDbRecovering(dir, 'edge state', readEdgeState, {
        dirMode: 0o700,
        logger: opts.logger,
        recoveries: opts.recoveries,
      });
    } catch (err) {
      throw new EdgeStateError((err as Error).message, { cause: err });
    }
    const { state, problems } = opened.loaded;
    if (problems.length > 0) opts.logger.warn({ dir, problems }, 'edge state entries ignored (damaged or unknown)');
    return new EdgeStore(opened.db, state, opts.logger, opts.flushIntervalMs ?? 1000);
  }

  /** Writes everything changed so far; rejects when the write failed (the changes stay pending). */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.write());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    if (this.state.pendingWrites === 0 || this.db.status !== 'open') return;
    const taken = this.state.takeDirty();
    const ops: Array<{ type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string }> = [];
    for (const [devEui, s] of taken.devices) {
      ops.push(s ? { type: 'put', key: `d:${devEui}`, value: Buffer.from(encodeDeviceState(s)) } : { type: 'del', key: `d:${devEui}` });
    }
    for (const [devEui, nonces] of taken.nonces) ops.push({ type: 'put', key: `n:${devEui}`, value: encodeNonces(nonces) });
    if (taken.meta) ops.push({ type: 'put', key: 'meta', value: Buffer.from(encodeMeta(taken.meta)) });
    try {
      await this.db.batch(ops);
      this.failureLogged = false;
    } catch (err) {
      this.state.restoreDirty(taken);
      if (!this.failureLogged) {
        this.failureLogged = true;
        this.log.warn({ err: (err as Error).message }, 'cannot save edge state; will retry');
      }
      throw new EdgeStateError(`cannot save edge state: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    await this.db.close();
  }
}
