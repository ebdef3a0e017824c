// The sessions the hub handed over, as the device directory reads them (a SessionProvider): one per
// device, found by DevAddr. A later join replaces a device's session and starts its counter afresh
// (the new session's low FCnt is no replay); the same session arriving again (a retained message
// after a reconnect) never moves the counter back. Kept in one file under storage.dir so a restart
// without backhaul still decodes, counters included (written at most every few seconds).
import type { NetworkSession, SessionProvider } from '../devices/session-provider.js';
import type { DataFrame } from '../lorawan/phy-payload.js';
import { verifyDataMic, verifyDataMicF11 } from '../lorawan/mic.js';
import type { Logger } from '../log.js';
import { readFileIfPresent, writeFileAtomic } from './atomic-file.js';
import type { HandedSession } from './session-update.js';

interface StoredSession {
  devEui: string;
  devAddr: number;
  lorawan: '1.0' | '1.1';
  joinedAt: string;
  micKey: string;
  appSKey: string;
  lastFCntUp: number | null;
}

class Session implements NetworkSession {
  readonly verifyMic: ((frame: DataFrame, fCnt32: number) => boolean) | undefined;
  constructor(
    readonly devEui: string,
    readonly devAddr: number,
    readonly lorawan: '1.0' | '1.1',
    readonly joinedAt: string,
    readonly nwkSKey: Buffer,
    readonly appSKey: Buffer,
    public lastFCntUp: number | undefined,
  ) {
    this.verifyMic = lorawan === '1.1' ? (frame, fCnt32) => verifyDataMicF11(frame, nwkSKey, fCnt32) : (frame, fCnt32) => verifyDataMic(frame, nwkSKey, fCnt32);
  }
}

export type SessionApplyResult = 'new' | 'replaced' | 'same' | 'older' | 'removed' | 'unknown';

export class HandedSessions implements SessionProvider {
  private readonly byDevEui = new Map<string, Session>();
  private readonly byDevAddr = new Map<number, Session[]>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly flushIntervalMs = 5000,
  ) {}

  get size(): number {
    return this.byDevEui.size;
  }

  /** Reads the file of a previous run; a damaged file is logged and set aside, never fatal. */
  load(): void {
    let raw: Buffer | null;
    try {
      raw = readFileIfPresent(this.file);
    } catch (err) {
      this.log.error({ file: this.file, err: (err as Error).message }, 'handed-over sessions cannot be read: starting without them');
      return;
    }
    if (raw === null) return;
    try {
      const list = JSON.parse(raw.toString('utf8')) as StoredSession[];
      if (!Array.isArray(list)) throw new Error('not a list');
      for (const s of list) {
        if (!/^[0-9a-f]{16}$/.test(s.devEui) || !/^[0-9a-f]{32}$/.test(s.micKey) || !/^[0-9a-f]{32}$/.test(s.appSKey)) throw new Error('malformed entry');
        this.put(new Session(s.devEui, s.devAddr >>> 0, s.lorawan === '1.1' ? '1.1' : '1.0', s.joinedAt, Buffer.from(s.micKey, 'hex'), Buffer.from(s.appSKey, 'hex'), s.lastFCntUp ?? undefined));
      }
      this.log.info({ sessions: this.size }, 'handed-over sessions loaded');
    } catch (err) {
      this.log.error({ file: this.file, err: (err as Error).message }, 'handed-over sessions file is damaged: starting without them (the hub\'s retained updates bring them back)');
      this.byDevEui.clear();
      this.byDevAddr.clear();
    }
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private put(s: Session): void {
    this.remove(s.devEui);
    this.byDevEui.set(s.devEui, s);
    const list = this.byDevAddr.get(s.devAddr);
    if (list) list.push(s);
    else this.byDevAddr.set(s.devAddr, [s]);
  }

  private remove(devEui: string): boolean {
    const old = this.byDevEui.get(devEui);
    if (!old) return false;
    this.byDevEui.delete(devEui);
    const list = this.byDevAddr.get(old.devAddr)?.filter((x) => x !== old) ?? [];
    if (list.length > 0) this.byDevAddr.set(old.devAddr, list);
    else this.byDevAddr.delete(old.devAddr);
    return true;
  }

  /** Takes one checked update. */
  apply(update: HandedSession): SessionApplyResult {
    const current = this.byDevEui.get(update.devEui);
    const sameSession =
      current !== undefined &&
      current.joinedAt === update.joinedAt &&
      current.devAddr === update.devAddr &&
      current.nwkSKey.equals(update.micKey) &&
      current.appSKey.equals(update.appSKey);
    if (sameSession) {
      // A re-delivered or refreshed update: the counter only moves forward.
      const fc = update.fCntUp ?? undefined;
      if (fc !== undefined && (current.lastFCntUp === undefined || fc > current.lastFCntUp)) {
        current.lastFCntUp = fc;
        this.dirty = true;
      }
      return 'same';
    }
    if (current !== undefined && Date.parse(update.joinedAt) < Date.parse(current.joinedAt)) return 'older';
    this.put(new Session(update.devEui, update.devAddr, update.lorawan, update.joinedAt, update.micKey, update.appSKey, update.fCntUp ?? undefined));
    this.dirty = true;
    this.flush();
    return current ? 'replaced' : 'new';
  }

  /** An empty retained message: the hub withdrew this device's session. */
  withdraw(devEui: string): SessionApplyResult {
    if (!this.remove(devEui.toLowerCase())) return 'unknown';
    this.dirty = true;
    this.flush();
    return 'removed';
  }

  sessionsAt(devAddr: number): readonly NetworkSession[] {
    return this.byDevAddr.get(devAddr >>> 0) ?? [];
  }

  acceptUplink(devEui: string, devAddr: number, fCnt: number): void {
    const s = this.byDevEui.get(devEui);
    if (s && s.devAddr === devAddr >>> 0) {
      s.lastFCntUp = fCnt;
      this.dirty = true;
    }
  }

  /** Writes the file when something changed; a write error is logged, the sessions stay in memory. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const list: StoredSession[] = [...this.byDevEui.values()].map((s) => ({
      devEui: s.devEui,
      devAddr: s.devAddr,
      lorawan: s.lorawan,
      joinedAt: s.joinedAt,
      micKey: s.nwkSKey.toString('hex'),
      appSKey: s.appSKey.toString('hex'),
      lastFCntUp: s.lastFCntUp ?? null,
    }));
    try {
      writeFileAtomic(this.file, JSON.stringify(list));
    } catch (err) {
      this.dirty = true;
      this.log.error({ file: this.file, err: (err as Error).message }, 'handed-over sessions cannot be saved (kept in memory; retried)');
    }
  }
}
