// Everything edge mode remembers per device, in memory: the session made by the last join, the
// DevNonces already used, the command queue, a confirmed downlink awaiting its ACK and the last
// DevStatusAns. Changes are marked dirty for the store to write. Also the directory's
// SessionProvider, so session uplinks resolve like ABP ones.
import type { NetworkSession, SessionProvider } from '../devices/session-provider.js';
import type { DevStatus } from './mac-commands.js';

export interface EdgeSession {
  devAddr: number;
  nwkSKey: Buffer;
  appSKey: Buffer;
  /** Last accepted 32-bit FCntUp; undefined before the session's first data uplink. */
  fCntUp: number | undefined;
  /** Next FCntDown to use (every built downlink consumes one, sent or not). */
  fCntDown: number;
  devNonce: number;
  joinNonce: number;
  /** ms since the epoch. */
  joinedAt: number;
  /** Radio source that last heard the device: class C downlinks go out there. */
  lastSource?: string;
  /** EU868 data rate of the device's last uplink (sizes RX1 downlinks). */
  lastDataRate?: number;
}

export interface QueuedCommand {
  id: string;
  fPort: number;
  bytes: Buffer;
  confirmed: boolean;
  queuedAt: number;
  /** Receive windows in which sending it failed so far. */
  attempts: number;
}

export interface AwaitingAck {
  id: string;
  fCntDown: number;
  fPort: number;
  sentAt: number;
}

export interface DeviceEdgeState {
  session?: EdgeSession;
  queue: QueuedCommand[];
  awaitingAck?: AwaitingAck;
  devStatus?: DevStatus & { at: number };
}

export interface EdgeMeta {
  /** Last JoinNonce handed out (24 bits on air). */
  joinNonce: number;
  /** Where the next DevAddr search starts. */
  devAddrCursor: number;
}

export class EdgeState implements SessionProvider {
  private readonly devices = new Map<string, DeviceEdgeState>();
  private readonly nonces = new Map<string, Set<number>>();
  private readonly byDevAddr = new Map<number, string[]>();
  private readonly dirtyDevices = new Set<string>();
  private readonly dirtyNonces = new Set<string>();
  private metaDirty = false;
  meta: EdgeMeta = { joinNonce: 0, devAddrCursor: 0 };

  /** Loads one device's stored state (store open only). */
  load(devEui: string, state: DeviceEdgeState): void {
    this.devices.set(devEui, state);
    if (state.session) this.indexAddr(devEui, state.session.devAddr);
  }

  loadNonces(devEui: string, nonces: Iterable<number>): void {
    this.nonces.set(devEui, new Set(nonces));
  }

  get(devEui: string): DeviceEdgeState | undefined {
    return this.devices.get(devEui);
  }

  /** The device's state, created empty when missing. Call changed() after mutating it. */
  ensure(devEui: string): DeviceEdgeState {
    let s = this.devices.get(devEui);
    if (s === undefined) {
      s = { queue: [] };
      this.devices.set(devEui, s);
    }
    return s;
  }

  changed(devEui: string): void {
    this.dirtyDevices.add(devEui);
  }

  setMeta(meta: EdgeMeta): void {
    this.meta = { ...meta };
    this.metaDirty = true;
  }

  /** Replaces the device's session (a new join); its DevAddr index follows. */
  setSession(devEui: string, session: EdgeSession): void {
    const s = this.ensure(devEui);
    if (s.session) this.unindexAddr(devEui, s.session.devAddr);
    s.session = session;
    this.indexAddr(devEui, session.devAddr);
    this.changed(devEui);
  }

  devNonceUsed(devEui: string, devNonce: number): boolean {
    return this.nonces.get(devEui)?.has(devNonce) ?? false;
  }

  addDevNonce(devEui: string, devNonce: number): void {
    let set = this.nonces.get(devEui);
    if (set === undefined) {
      set = new Set();
      this.nonces.set(devEui, set);
    }
    set.add(devNonce);
    this.dirtyNonces.add(devEui);
  }

  usedDevNonces(devEui: string): readonly number[] {
    return [...(this.nonces.get(devEui) ?? [])];
  }

  /** True when a session other than `exceptDevEui`'s holds the address. */
  devAddrHeld(devAddr: number, exceptDevEui?: string): boolean {
    const holders = this.byDevAddr.get(devAddr >>> 0);
    return holders !== undefined && holders.some((d) => d !== exceptDevEui);
  }

  get sessionCount(): number {
    let n = 0;
    for (const s of this.devices.values()) if (s.session) n++;
    return n;
  }

  /** Devices with at least one queued command. */
  devicesWithQueue(): string[] {
    const out: string[] = [];
    for (const [devEui, s] of this.devices) if (s.queue.length > 0) out.push(devEui);
    return out;
  }

  sessionsAt(devAddr: number): readonly NetworkSession[] {
    const holders = this.byDevAddr.get(devAddr >>> 0);
    if (holders === undefined) return [];
    const out: NetworkSession[] = [];
    for (const devEui of holders) {
      const s = this.devices.get(devEui)?.session;
      if (s) out.push({ devEui, devAddr: s.devAddr, nwkSKey: s.nwkSKey, appSKey: s.appSKey, lastFCntUp: s.fCntUp });
    }
    return out;
  }

  acceptUplink(devEui: string, devAddr: number, fCnt: number): void {
    const s = this.devices.get(devEui)?.session;
    if (s === undefined || s.devAddr !== devAddr) return;
    s.fCntUp = fCnt;
    this.dirtyDevices.add(devEui);
  }

  /** What changed since the last call (the store writes it; on failure it calls restoreDirty). */
  takeDirty(): { devices: Array<[string, DeviceEdgeState | undefined]>; nonces: Array<[string, number[]]>; meta: EdgeMeta | undefined } {
    const devices = [...this.dirtyDevices].map((d): [string, DeviceEdgeState | undefined] => [d, this.devices.get(d)]);
    const nonces = [...this.dirtyNonces].map((d): [string, number[]] => [d, [...(this.nonces.get(d) ?? [])]]);
    const meta = this.metaDirty ? { ...this.meta } : undefined;
    this.dirtyDevices.clear();
    this.dirtyNonces.clear();
    this.metaDirty = false;
    return { devices, nonces, meta };
  }

  restoreDirty(taken: { devices: Array<[string, unknown]>; nonces: Array<[string, unknown]>; meta: EdgeMeta | undefined }): void {
    for (const [d] of taken.devices) this.dirtyDevices.add(d);
    for (const [d] of taken.nonces) this.dirtyNonces.add(d);
    if (taken.meta) this.metaDirty = true;
  }

  get pendingWrites(): number {
    return this.dirtyDevices.size + this.dirtyNonces.size + (this.metaDirty ? 1 : 0);
  }

  private indexAddr(devEui: string, devAddr: number): void {
    const list = this.byDevAddr.get(devAddr);
    if (list === undefined) this.byDevAddr.set(devAddr, [devEui]);
    else if (!list.includes(devEui)) list.push(devEui);
  }

  private unindexAddr(devEui: string, devAddr: number): void {
    const list = this.byDevAddr.get(devAddr);
    if (list === undefined) return;
    const rest = list.filter((d) => d !== devEui);
    if (rest.length === 0) this.byDevAddr.delete(devAddr);
    else this.byDevAddr.set(devAddr, rest);
  }
}
