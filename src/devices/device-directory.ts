// The device resolver of the uplink pipeline: attributes frames to registered devices, checks
// MIC and frame counter, decrypts and decodes. Reads one index reference per frame; reloads
// build a new index and swap it in, so frames keep flowing during a reload.
import type { DeviceOutcome, DeviceResolver, RecordDecoded } from './outcome.js';
import type { Logger } from '../log.js';
import type { RadioFrame } from '../radio/radio-frame.js';
import type { DataFrame, JoinRequestFrame, PhyPayload } from '../lorawan/phy-payload.js';
import { verifyDataMic, verifyJoinRequestMic } from '../lorawan/mic.js';
import { decryptFrmPayload } from '../lorawan/frm-crypto.js';
import { fullFCnt } from '../lorawan/fcnt.js';
import { DEFAULT_MEMORY_LIMIT_BYTES } from '../codecs/sandbox/limits.js';
import { loadDeviceCodecs, type DeviceCodec } from './device-codecs.js';
import { codecName } from './device-codecs.js';
import { buildDeviceIndex, EMPTY_INDEX, type DeviceIndex, type IndexedDevice } from './device-index.js';
import type { NetworkSession, SessionProvider } from './session-provider.js';
import { SerialQueue } from '../serial-queue.js';
import { FCntStore } from './fcnt-store.js';
import type { StoreRecovery } from '../store-recovery.js';
import { FileWatcher } from './file-watcher.js';
import { loadDeviceFiles, type DeviceFiles } from './device-files.js';
import { RegistryLoadError } from './errors.js';
import type { RegistryEntry } from './registry.js';

/** What the directory adds to a frame: the pipeline's DeviceOutcome. */
export type DirectoryOutcome = DeviceOutcome;

export interface DirectoryCounters {
  /** Devices in the current registry. */
  devices: number;
  /** Data uplinks whose DevAddr is registered but whose MIC matched no device; join requests with a bad MIC. */
  micFailures: number;
  /** Frames whose FCnt did not advance. */
  replays: number;
  /** Frames a codec decoded without errors. */
  decoded: number;
  /** The same, per codec name. */
  decodedPerCodec: Record<string, number>;
  /** Frames a codec reported errors for, per codec name. */
  codecErrors: Record<string, number>;
  /** Uplinks of devices not in the registry (forwarded raw). */
  unknown: number;
  /** Join requests attributed to a registered OTAA device. */
  joinRequests: number;
  /** Registry reloads applied / refused (the previous registry stayed). */
  reloads: number;
  reloadFailures: number;
  /** Unexpected failures inside resolve (the frame was forwarded raw). */
  internalErrors: number;
}

export interface DeviceDirectoryOptions {
  /** Damaged-store recoveries done at open are added here. */
  recoveries?: StoreRecovery[];
  /** The registry file (config `devices.registry`); absent means no device is known. */
  registryPath?: string;
  /** Local profile directory (config `devices.profilesDir`). */
  profilesDir?: string;
  /** LevelDB directory for frame counters, e.g. `<storage.dir>/device-state`. */
  stateDir: string;
  /** Per-call time limit of JavaScript codecs (config `devices.codecTimeLimit`). */
  codecTimeLimitMs: number;
  logger: Logger;
  /** Watch the registry file and reload on change (default true). */
  watch?: boolean;
  watchDebounceMs?: number;
  stateFlushIntervalMs?: number;
}

/** The registry as status and health report it. */
export interface RegistryStatus {
  file: string;
  /** A registry is in use (false: none could be loaded since the start; no device is known). */
  loaded: boolean;
  devices: number;
  reloads: number;
  reloadFailures: number;
  /** The last refused load, cleared by the next good one. */
  lastFailure: { at: number; problems: string[] } | null;
}

/**
 * The devices a fleet bundle brings, already validated by src/fleet/ (entries parsed against the
 * bundle's profiles, codecs loadable). The directory merges them with the local registry.
 */
export interface FleetDeviceSet {
  /** The bundle version(s), for the log. */
  version: string;
  entries: readonly RegistryEntry[];
}

/** Where the fleet's devices stand in the directory. */
export interface FleetDeviceStatus {
  version: string | null;
  /** Fleet devices in use (those the local registry does not also name). */
  devices: number;
  /** Fleet devices the local registry also names: the local entry is used. */
  shadowedByLocal: number;
}

export interface ReloadResult {
  /** false: the file could not be used and the previous registry stays. */
  applied: boolean;
  devices: number;
  /** Every problem found, one line each (profiles, registry entries, codec files). */
  problems: string[];
}

const BAD_MIC: DirectoryOutcome = Object.freeze({ device: null, micValid: false, fCnt: null, decoded: null, fCntReplay: null });

/** The device (and the keys of its session) whose MIC matched a data uplink. */
interface DataMatch {
  device: IndexedDevice;
  devAddr: number;
  appSKey: Buffer;
  last: number | undefined;
  fCnt: number;
  /** ABP counters live in the FCnt store, sessions in the provider that holds them. */
  session: SessionProvider | undefined;
}

export class DeviceDirectory implements DeviceResolver {
  private index: DeviceIndex = EMPTY_INDEX;
  private readonly stats: DirectoryCounters = {
    devices: 0, micFailures: 0, replays: 0, decoded: 0, decodedPerCodec: {}, codecErrors: {}, unknown: 0, joinRequests: 0,
    reloads: 0, reloadFailures: 0, internalErrors: 0,
  };
  /** Devices whose replay was already logged; cleared when the device's counter advances again. */
  private readonly replayLogged = new Set<string>();
  private readonly reloads = new SerialQueue();
  private watcher: FileWatcher | undefined;
  private lastText: string | null = null;
  /** The text of the last refused file, so an unchanged broken file is not reported on every event. */
  private lastRefusedText: string | null = null;
  private loaded = false;
  private lastFailure: RegistryStatus['lastFailure'] = null;
  private sessions: SessionProvider | undefined;
  /** Sessions the hub handed over (devices that joined through the network server). */
  private fleetSessions: SessionProvider | undefined;
  /** The local registry's entries as last loaded, kept to merge with the fleet's. */
  private localEntries: readonly RegistryEntry[] = [];
  private fleet: FleetDeviceSet | null = null;
  private fleetStatusNow: FleetDeviceStatus = { version: null, devices: 0, shadowedByLocal: 0 };
  private closed = false;
  private readonly log: Logger;

  private constructor(
    private readonly opts: DeviceDirectoryOptions,
    private readonly state: FCntStore,
  ) {
    this.log = opts.logger;
  }

  static async open(opts: DeviceDirectoryOptions): Promise<DeviceDirectory> {
    const state = await FCntStore.open(opts.stateDir, { logger: opts.logger, flushIntervalMs: opts.stateFlushIntervalMs, recoveries: opts.recoveries });
    const dir = new DeviceDirectory(opts, state);
    if (opts.registryPath === undefined) {
      opts.logger.info('no device registry configured: only devices from fleet bundles (if any) are attributed and decoded');
      return dir;
    }
    await dir.reload();
    if (opts.watch ?? true) {
      dir.watcher = new FileWatcher(opts.registryPath, {
        debounceMs: opts.watchDebounceMs ?? 250,
        logger: opts.logger,
        // reload() logs and counts its own outcome and never rejects.
        onChange: () => void dir.reload({ onlyIfChanged: true }),
      });
      dir.watcher.start();
    }
    return dir;
  }

  /** Lets OTAA sessions made at the edge resolve by DevAddr (undefined detaches them). */
  attachSessions(provider: SessionProvider | undefined): void {
    this.sessions = provider;
  }

  /**
   * Sessions the hub handed over (src/fleet/): resolved like edge sessions, for any device the
   * directory knows (undefined detaches them).
   */
  attachFleetSessions(provider: SessionProvider | undefined): void {
    this.fleetSessions = provider;
  }

  fleetStatus(): FleetDeviceStatus {
    return { ...this.fleetStatusNow };
  }

  /**
   * Replaces the fleet's devices (null removes them) and swaps in the merged index. All or nothing:
   * when a codec of the set does not load, nothing changes and the problems are returned. Runs in
   * the same queue as reloads of the local files; never rejects.
   */
  applyFleet(set: FleetDeviceSet | null): Promise<ReloadResult> {
    return this.reloads.run(async () => {
      try {
        return await this.applyFleetNow(set);
      } catch (err) {
        return { applied: false, devices: this.deviceCount, problems: [`fleet bundle cannot be applied: ${(err as Error)?.message ?? String(err)}`] };
      }
    });
  }

  private async applyFleetNow(set: FleetDeviceSet | null): Promise<ReloadResult> {
    if (this.closed) return { applied: false, devices: this.deviceCount, problems: ['the device directory is closed'] };
    const built = await this.buildIndex(this.localEntries, set);
    if (built.fleetProblems.length > 0) {
      disposeAll(built.index.codecs.values());
      return { applied: false, devices: this.deviceCount, problems: built.fleetProblems };
    }
    this.fleet = set;
    this.swapIndex(built.index, built.shadowed);
    this.log.info(
      { fleetVersion: set?.version ?? null, devices: this.deviceCount, fleetDevices: this.fleetStatusNow.devices, shadowedByLocal: built.shadowed },
      set ? 'fleet devices applied' : 'fleet devices removed',
    );
    return { applied: true, devices: this.deviceCount, problems: [] };
  }

  /**
   * The index of the local entries plus the fleet's. A device both name is the local one: the file
   * on the gateway is what a technician on site edits, and it must win over the hub (docs/fleet.md).
   */
  private async buildIndex(
    local: readonly RegistryEntry[],
    fleet: FleetDeviceSet | null,
  ): Promise<{ index: DeviceIndex; problems: string[]; fleetProblems: string[]; shadowed: number }> {
    const localEuis = new Set(local.map((e) => e.devEui));
    const fleetEntries = fleet ? fleet.entries.filter((e) => !localEuis.has(e.devEui)) : [];
    const shadowed = fleet ? fleet.entries.length - fleetEntries.length : 0;
    const entries = fleetEntries.length > 0 ? [...local, ...fleetEntries] : local;
    const loaded = await loadDeviceCodecs(
      entries.map((e) => e.profile.codecRef),
      { timeLimitMs: this.opts.codecTimeLimitMs, memoryLimitBytes: DEFAULT_MEMORY_LIMIT_BYTES },
      this.log,
    );
    // A problem line starts with the codec's file path (local) or name (bundle sources: a bare file
    // name, never a path), so the two kinds cannot be confused.
    const sourceNames = new Set(fleetEntries.map((e) => e.profile.codecRef).filter((r) => r.kind === 'source').map((r) => `${codecName(r)}:`));
    const fleetProblems: string[] = [];
    const problems: string[] = [];
    for (const p of loaded.problems) (sourceNames.has(p.slice(0, p.indexOf(':') + 1)) ? fleetProblems : problems).push(p);
    return { index: buildDeviceIndex(entries, loaded.codecs), problems, fleetProblems, shadowed };
  }

  private swapIndex(index: DeviceIndex, shadowed: number): void {
    const previous = this.index;
    this.index = index;
    const fleetDevices = this.fleet ? this.fleet.entries.length - shadowed : 0;
    this.fleetStatusNow = { version: this.fleet?.version ?? null, devices: fleetDevices, shadowedByLocal: shadowed };
    // resolve() is synchronous, so no frame is inside an old codec at this point.
    disposeAll(previous.codecs.values());
  }

  /** A registered device by DevEUI (16 hex digits, any case). */
  device(devEui: string): IndexedDevice | undefined {
    return this.index.byDevEui.get(devEui.toLowerCase());
  }

  /** True when an ABP device in the registry uses this DevAddr (edge mode must not hand it out). */
  hasAbpDevAddr(devAddr: number): boolean {
    return this.index.byDevAddr.has(devAddr >>> 0);
  }

  /** Devices in the current registry. */
  get deviceCount(): number {
    return this.index.abpCount + this.index.otaaCount;
  }

  /** Null when no registry is configured. */
  registryStatus(): RegistryStatus | null {
    const file = this.opts.registryPath;
    if (file === undefined) return null;
    return {
      file,
      loaded: this.loaded,
      devices: this.deviceCount,
      reloads: this.stats.reloads,
      reloadFailures: this.stats.reloadFailures,
      lastFailure: this.lastFailure ? { at: this.lastFailure.at, problems: [...this.lastFailure.problems] } : null,
    };
  }

  counters(): DirectoryCounters {
    return {
      ...this.stats,
      devices: this.deviceCount,
      codecErrors: { ...this.stats.codecErrors },
      decodedPerCodec: { ...this.stats.decodedPerCodec },
    };
  }

  /**
   * Re-reads profiles and the registry (start, SIGHUP, file change). All or nothing: a file that
   * cannot be used keeps the previous registry, and that is logged and counted. Reloads run one
   * after another; the promise never rejects.
   */
  reload(opts: { onlyIfChanged?: boolean } = {}): Promise<ReloadResult> {
    return this.reloads.run(() => this.reloadSafely(opts.onlyIfChanged ?? false));
  }

  private async reloadSafely(onlyIfChanged: boolean): Promise<ReloadResult> {
    try {
      return await this.reloadNow(onlyIfChanged);
    } catch (err) {
      // loadDeviceFiles only throws RegistryLoadError; anything else is a defect here, and still
      // must not take the daemon down.
      const file = this.opts.registryPath ?? 'device registry';
      return this.refuse(new RegistryLoadError(file, [`${file}: reload failed: ${(err as Error)?.message ?? String(err)}`]), false);
    }
  }

  private refuse(err: RegistryLoadError, onlyIfChanged: boolean): ReloadResult {
    if (onlyIfChanged && err.text !== null && err.text === this.lastRefusedText) {
      return { applied: false, devices: this.deviceCount, problems: [...err.problems] };
    }
    this.lastRefusedText = err.text;
    this.stats.reloadFailures += 1;
    this.lastFailure = { at: Date.now(), problems: [...err.problems] };
    const fields = { file: err.file, problems: err.problems, devices: this.deviceCount, reloadFailures: this.stats.reloadFailures };
    if (!this.loaded) {
      this.log.error(
        fields,
        `device registry ${err.file} cannot be used: running WITHOUT a device registry (no device is attributed or decoded, ` +
          `no edge join is answered) until it is fixed; it is reloaded when the file changes or on SIGHUP. First problem: ${err.problems[0]}`,
      );
    } else {
      this.log.error(fields, `device registry ${err.file} refused, the previous registry stays in use. First problem: ${err.problems[0]}`);
    }
    return { applied: false, devices: this.deviceCount, problems: [...err.problems] };
  }

  private async reloadNow(onlyIfChanged: boolean): Promise<ReloadResult> {
    const file = this.opts.registryPath;
    if (this.closed || file === undefined) return { applied: false, devices: this.deviceCount, problems: [] };
    const log = this.log;
    let files: DeviceFiles;
    try {
      files = loadDeviceFiles({ registryPath: file, profilesDir: this.opts.profilesDir, logger: log });
    } catch (err) {
      if (err instanceof RegistryLoadError) return this.refuse(err, onlyIfChanged);
      throw err;
    }
    if (onlyIfChanged && files.text !== null && files.text === this.lastText) {
      return { applied: false, devices: this.deviceCount, problems: [] };
    }
    for (const w of files.warnings) log.warn(w);

    const built = await this.buildIndex(files.entries, this.fleet);
    const codecProblems = [...built.problems, ...built.fleetProblems];
    for (const p of codecProblems) log.error({ problem: p }, 'codec cannot be loaded: its devices are attributed but not decoded');
    if (this.closed) {
      disposeAll(built.index.codecs.values());
      return { applied: false, devices: 0, problems: [] };
    }
    this.localEntries = files.entries;
    this.swapIndex(built.index, built.shadowed);
    if (built.shadowed > 0) log.warn({ devices: built.shadowed }, 'devices named by both the local registry and the fleet bundle: the local entries are used');
    this.lastText = files.text;
    this.lastRefusedText = null;
    this.loaded = true;
    this.lastFailure = null;
    this.stats.reloads += 1;
    log.info({ file, devices: this.deviceCount, abp: this.index.abpCount, otaa: this.index.otaaCount }, 'device registry loaded');
    return { applied: true, devices: this.deviceCount, problems: codecProblems };
  }

  resolve(phy: PhyPayload, frame: RadioFrame): DirectoryOutcome | null {
    if (this.closed) return null;
    try {
      if (phy.kind === 'data') return phy.uplink ? this.resolveData(phy, frame) : null;
      if (phy.kind === 'joinRequest') return this.resolveJoin(phy);
      return null;
    } catch (err) {
      this.stats.internalErrors += 1;
      if (this.stats.internalErrors === 1) this.log.error({ err: (err as Error).message }, 'device resolution failed; frame forwarded raw');
      return null;
    }
  }

  private resolveData(phy: DataFrame, frame: RadioFrame): DirectoryOutcome | null {
    const candidates = this.index.byDevAddr.get(phy.devAddr);
    const sessions = this.sessions?.sessionsAt(phy.devAddr);
    const handed = this.fleetSessions?.sessionsAt(phy.devAddr);
    if (candidates === undefined && (sessions === undefined || sessions.length === 0) && (handed === undefined || handed.length === 0)) {
      this.stats.unknown += 1;
      return null;
    }
    const match = this.matchAbp(phy) ?? this.matchSession(phy, this.sessions, sessions, false) ?? this.matchSession(phy, this.fleetSessions, handed, true);
    if (match === undefined) {
      this.stats.micFailures += 1;
      this.log.debug({ devAddr: phy.devAddrHex, candidates: (candidates?.length ?? 0) + (sessions?.length ?? 0) + (handed?.length ?? 0) }, 'MIC matches no registered device');
      return BAD_MIC;
    }
    const { device, last, fCnt } = match;
    if (last !== undefined && fCnt <= last) {
      this.stats.replays += 1;
      if (!this.replayLogged.has(device.devEui)) {
        this.replayLogged.add(device.devEui);
        this.log.warn(
          { devEui: device.devEui, device: device.record.name, fCnt, lastFCnt: last },
          'frame counter did not advance (replay, or the device restarted its counter): such frames are flagged and not decoded',
        );
      }
      return { device: device.record, micValid: true, fCnt, decoded: null, fCntReplay: true };
    }
    if (match.session) match.session.acceptUplink(device.devEui, match.devAddr, fCnt);
    else this.state.accept(device.devEui, match.devAddr, fCnt);
    if (this.replayLogged.size > 0) this.replayLogged.delete(device.devEui);
    const fPort = phy.fPort;
    // No FPort: an empty frame. FPort 0: MAC commands only, for the network server, not a codec.
    if (fPort === null || fPort === 0) return { device: device.record, micValid: true, fCnt, decoded: null, fCntReplay: false };
    return {
      device: device.record,
      micValid: true,
      fCnt,
      decoded: this.decode(device, decryptFrmPayload(phy, match.appSKey, fCnt), fPort, frame.receivedAt),
      fCntReplay: false,
    };
  }

  private matchAbp(phy: DataFrame): DataMatch | undefined {
    const candidates = this.index.byDevAddr.get(phy.devAddr);
    if (candidates === undefined) return undefined;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i];
      const last = this.state.last(c.devEui, c.activation.devAddr);
      const fCnt = fullFCnt(last, phy.fCnt);
      if (verifyDataMic(phy, c.activation.nwkSKey, fCnt)) {
        return { device: c, devAddr: c.activation.devAddr, appSKey: c.activation.appSKey, last, fCnt, session: undefined };
      }
    }
    return undefined;
  }

  /**
   * `sessions`: the provider's sessions at the frame's DevAddr, already looked up by the caller.
   * `anyDevice`: handed-over sessions may belong to any registered device, edge ones only to OTAA devices.
   */
  private matchSession(
    phy: DataFrame,
    provider: SessionProvider | undefined,
    sessions: readonly NetworkSession[] | undefined,
    anyDevice: boolean,
  ): DataMatch | undefined {
    if (provider === undefined || sessions === undefined) return undefined;
    for (const s of sessions) {
      // A device removed from the registry keeps no say over its old session.
      const device = anyDevice ? this.index.byDevEui.get(s.devEui) : this.index.otaaByDevEui.get(s.devEui);
      if (device === undefined) continue;
      const fCnt = fullFCnt(s.lastFCntUp, phy.fCnt);
      const micOk = s.verifyMic ? s.verifyMic(phy, fCnt) : verifyDataMic(phy, s.nwkSKey, fCnt);
      if (micOk) {
        return { device, devAddr: s.devAddr, appSKey: s.appSKey, last: s.lastFCntUp, fCnt, session: provider };
      }
    }
    return undefined;
  }

  private decode(device: IndexedDevice, clear: Buffer, fPort: number, receivedAt: number): RecordDecoded {
    const n = clear.length;
    const bytes = new Array<number>(n);
    for (let i = 0; i < n; i++) bytes[i] = clear[i];
    const codec: DeviceCodec = device.codec;
    const out = codec.decode({ bytes, fPort, recvTime: new Date(receivedAt), variables: device.variables });
    if (out.errors.length > 0) this.stats.codecErrors[codec.name] = (this.stats.codecErrors[codec.name] ?? 0) + 1;
    else {
      this.stats.decoded += 1;
      this.stats.decodedPerCodec[codec.name] = (this.stats.decodedPerCodec[codec.name] ?? 0) + 1;
    }
    return { codec: codec.name, data: out.data, warnings: out.warnings, errors: out.errors };
  }

  private resolveJoin(phy: JoinRequestFrame): DirectoryOutcome | null {
    const device = this.index.otaaByDevEui.get(phy.devEui);
    if (device === undefined) {
      this.stats.unknown += 1;
      return null;
    }
    if (!verifyJoinRequestMic(phy, device.activation.appKey)) {
      this.stats.micFailures += 1;
      this.log.debug({ devEui: phy.devEui }, 'join request MIC does not match the registered AppKey');
      return BAD_MIC;
    }
    this.stats.joinRequests += 1;
    if (phy.joinEui !== device.activation.joinEui) {
      this.log.debug({ devEui: phy.devEui, joinEui: phy.joinEui, registered: device.activation.joinEui }, 'join request JoinEUI differs from the registry');
    }
    return { device: device.record, micValid: true, fCnt: null, decoded: null, fCntReplay: null };
  }

  /** Stops watching, saves frame counters and frees codecs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    await this.reloads.idle();
    disposeAll(this.index.codecs.values());
    this.index = EMPTY_INDEX;
    await this.state.close();
  }
}

function disposeAll(codecs: Iterable<DeviceCodec>): void {
  for (const c of codecs) {
    try {
      c.dispose();
    } catch {
      // A codec that fails to free its sandbox must not stop the others.
    }
  }
}
