// The gateway side of fleet provisioning: takes the bundles and session updates the hub publishes
// (retained) on the broker, validates each bundle whole before using any of it, swaps the devices
// into the device directory, keeps the last applied bundles on disk (a restart without backhaul
// still decodes) and reports what it applied or refused, retained, for `lora-edge fleet status`.
// One message at a time, in arrival order. Nothing here logs or reports key material.
import { createHash } from 'node:crypto';
import { sharedSandboxEngine } from '../codecs/sandbox/engine.js';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { FleetDeviceSet, ReloadResult, FleetDeviceStatus } from '../devices/device-directory.js';
import type { SessionProvider } from '../devices/session-provider.js';
import { fleetBundleTopic, fleetSessionFilter, sessionTopicDevEui, type Topics } from '../mqtt/chirpstack/topics.js';
import { decodeBundle, type DecodeContext, type OpenedBundle } from './bundle-format.js';
import { checkBundleContent } from './bundle-validation.js';
import { readFileIfPresent, removeFileIfPresent, writeFileAtomic } from './atomic-file.js';
import { HandedSessions } from './handed-sessions.js';
import { decodeSessionMessage } from './session-update.js';
import { fleetKeys } from './keys.js';
import { SerialQueue } from '../serial-queue.js';
import type { AppliedBundleState, FleetState, RefusedBundleState } from './fleet-state.js';

/** The part of the hub connection the fleet uses. */
export interface FleetHub {
  readonly topics: Topics;
  readonly online: boolean;
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): void;
  publish(topic: string, payload: Buffer | string, qos?: 0 | 1, retain?: boolean): Promise<void>;
  onOnline(listener: () => void): void;
}

/** The part of the device directory the fleet drives. */
export interface FleetDirectory {
  applyFleet(set: FleetDeviceSet | null): Promise<ReloadResult>;
  attachFleetSessions(provider: SessionProvider | undefined): void;
  fleetStatus(): FleetDeviceStatus;
}

export interface FleetSyncOptions {
  gatewayId: string;
  topicPrefix: string;
  hub: FleetHub;
  directory: FleetDirectory;
  /** `<storage.dir>/fleet`: the last applied bundles and the handed-over sessions. */
  dir: string;
  /** base64 Ed25519 hub keys (fleet.trustedKeys); non-empty: every bundle and session must be signed. */
  trustedKeys: readonly string[];
  /** X25519 private key file (fleet.privateKeyFile) for sealed key material. */
  privateKeyFile?: string;
  maxBundleBytes: number;
  maxExpandedBytes: number;
  codecTimeLimitMs: number;
  logger: Logger;
}

export interface FleetCounters {
  bundlesApplied: number;
  bundlesRefused: number;
  sessionUpdates: number;
  sessionUpdatesRefused: number;
}

type Scope = 'fleet' | 'gateway';

interface Held {
  bundle: OpenedBundle;
  wireSha: string;
  appliedAt: string;
}

export const bundleFile = (dir: string, scope: Scope): string => path.join(dir, `${scope}-bundle.json.gz`);
export const sessionsFile = (dir: string): string => path.join(dir, 'sessions.json');

function wireHash(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export class FleetSync {
  readonly counters: FleetCounters = { bundlesApplied: 0, bundlesRefused: 0, sessionUpdates: 0, sessionUpdatesRefused: 0 };
  private readonly held: Record<Scope, Held | null> = { fleet: null, gateway: null };
  private refused: (RefusedBundleState & { wireSha: string | null }) | null = null;
  private lastEvent: 'applied' | 'refused' | 'none' = 'none';
  private readonly queue = new SerialQueue();
  private readonly sessions: HandedSessions;
  private readonly ctx: DecodeContext;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly opts: FleetSyncOptions) {
    this.log = opts.logger;
    const keys = fleetKeys(opts);
    this.ctx = { trusted: keys.trusted, privateKey: keys.privateKey, limits: { maxWireBytes: opts.maxBundleBytes, maxExpandedBytes: opts.maxExpandedBytes } };
    this.sessions = new HandedSessions(sessionsFile(opts.dir), opts.logger);
  }

  /** Applies what was kept on disk, then listens to the hub. */
  async start(): Promise<void> {
    this.sessions.load();
    this.sessions.start();
    this.opts.directory.attachFleetSessions(this.sessions);
    await this.enqueue(() => this.loadPersisted());
    const { hub, topicPrefix } = this.opts;
    hub.subscribe(fleetBundleTopic(topicPrefix), (_t, payload) => void this.enqueue(() => this.onBundle('fleet', payload)));
    hub.subscribe(hub.topics.fleet('bundle'), (_t, payload) => void this.enqueue(() => this.onBundle('gateway', payload)));
    const onSession = (topic: string, payload: Buffer) => void this.enqueue(async () => this.onSession(topic, payload));
    hub.subscribe(fleetSessionFilter(topicPrefix), onSession);
    hub.subscribe(hub.topics.fleetSessionFilter(), onSession);
    hub.onOnline(() => this.publishState());
    // The connection may have come up before this part started: say what is in use now.
    this.publishState();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.idle();
    this.sessions.stop();
    this.opts.directory.attachFleetSessions(undefined);
  }

  /** For the snapshot and metrics. */
  report(): { fleet: Record<string, unknown> } {
    const status = this.opts.directory.fleetStatus();
    return {
      fleet: {
        fleetVersion: this.held.fleet?.bundle.version ?? null,
        gatewayVersion: this.held.gateway?.bundle.version ?? null,
        devices: status.devices,
        shadowedByLocal: status.shadowedByLocal,
        sessions: this.sessions.size,
        ...this.counters,
        lastRefused: this.refused ? { scope: this.refused.scope, version: this.refused.version, at: this.refused.at, reasons: this.refused.reasons.length } : null,
      },
    };
  }

  /** Resolves when every message received so far is handled (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(job: () => Promise<void> | void): Promise<void> {
    return this.queue.run(async () => {
      if (this.stopped) return;
      // Held from the check to the apply: the sandbox worker would otherwise stop in between
      // (when no codec is in use yet) and start again, the dearest step of an apply.
      const engine = sharedSandboxEngine();
      engine.acquire();
      try {
        await job();
      } catch (err) {
        this.log.error({ err: (err as Error)?.message ?? String(err) }, 'fleet message handling failed');
      } finally {
        engine.release();
      }
    });
  }

  private async loadPersisted(): Promise<void> {
    const opened: Record<Scope, Held | null> = { fleet: null, gateway: null };
    for (const scope of ['fleet', 'gateway'] as const) {
      let wire: Buffer | null = null;
      try {
        wire = readFileIfPresent(bundleFile(this.opts.dir, scope));
      } catch (err) {
        this.log.error({ scope, err: (err as Error).message }, 'kept fleet bundle cannot be read');
      }
      if (wire === null) continue;
      const d = decodeBundle(wire, this.ctx);
      if (!d.ok) {
        this.log.error({ scope, reasons: d.reasons }, 'kept fleet bundle is no longer accepted (keys or limits changed?): not used');
        continue;
      }
      opened[scope] = { bundle: d.bundle, wireSha: wireHash(wire), appliedAt: new Date().toISOString() };
    }
    if (!opened.fleet && !opened.gateway) return;
    const check = await checkBundleContent(opened.fleet?.bundle ?? null, opened.gateway?.bundle ?? null, { codecTimeLimitMs: this.opts.codecTimeLimitMs });
    if (!check.ok) {
      this.log.error({ reasons: check.reasons }, 'kept fleet bundles are no longer accepted: not used');
      return;
    }
    const r = await this.opts.directory.applyFleet(check.set);
    if (!r.applied) {
      this.log.error({ reasons: r.problems }, 'kept fleet bundles could not be applied');
      return;
    }
    this.held.fleet = opened.fleet;
    this.held.gateway = opened.gateway;
    this.lastEvent = 'applied';
    this.log.info({ version: check.set.version, devices: this.opts.directory.fleetStatus().devices }, 'fleet bundles kept on disk applied (until the hub sends newer ones)');
  }

  private async onBundle(scope: Scope, payload: Buffer): Promise<void> {
    const arrived = Date.now();
    const held = this.held[scope];
    if (payload.length === 0) {
      if (held === null) return;
      await this.install(scope, null, null, null);
      return;
    }
    const sha = wireHash(payload);
    if (held?.wireSha === sha) return; // the same bundle again (retained, after a reconnect)
    if (this.refused?.wireSha === sha) return; // already refused and reported
    const d = decodeBundle(payload, this.ctx);
    if (!d.ok) return this.refuse(scope, sha, d.version ?? null, d.sha256 ?? null, d.reasons);
    const b = d.bundle;
    const reasons: string[] = [];
    if (b.scope !== scope) reasons.push(`a ${b.scope} bundle arrived on the ${scope} bundle topic`);
    if (scope === 'gateway' && b.gatewayId !== this.opts.gatewayId) reasons.push(`bundle is for gateway ${b.gatewayId}, this is ${this.opts.gatewayId}`);
    if (held && Date.parse(b.createdAt) < Date.parse(held.bundle.createdAt)) {
      reasons.push(`bundle was made at ${b.createdAt}, before the applied ${held.bundle.version} (${held.bundle.createdAt}): an older bundle is not applied`);
    }
    if (reasons.length > 0) return this.refuse(scope, sha, b.version, b.sha256, reasons);
    const other = scope === 'fleet' ? this.held.gateway?.bundle ?? null : this.held.fleet?.bundle ?? null;
    const check = await checkBundleContent(scope === 'fleet' ? b : other, scope === 'gateway' ? b : other, { codecTimeLimitMs: this.opts.codecTimeLimitMs });
    if (!check.ok) return this.refuse(scope, sha, b.version, b.sha256, check.reasons);
    await this.install(scope, { bundle: b, wireSha: sha, appliedAt: new Date().toISOString() }, payload, check.set, arrived);
  }

  /** Swaps the devices in, then keeps the bundle on disk; `held` null removes the scope's bundle. */
  /** `arrived`: when the message came (the log says how long checking and applying took). */
  private async install(scope: Scope, held: Held | null, wire: Buffer | null, set: FleetDeviceSet | null, arrived = Date.now()): Promise<void> {
    if (held === null) {
      const other = scope === 'fleet' ? this.held.gateway : this.held.fleet;
      if (other) {
        const check = await checkBundleContent(scope === 'gateway' ? other.bundle : null, scope === 'fleet' ? other.bundle : null, { codecTimeLimitMs: this.opts.codecTimeLimitMs });
        if (!check.ok) return this.refuse(scope, null, null, null, [`removing the ${scope} bundle leaves the other one unusable: ${check.reasons[0]}`]);
        set = check.set;
      }
    }
    const r = await this.opts.directory.applyFleet(set);
    if (!r.applied) return this.refuse(scope, held?.wireSha ?? null, held?.bundle.version ?? null, held?.bundle.sha256 ?? null, r.problems);
    this.held[scope] = held;
    if (this.refused?.scope === scope) this.refused = null;
    try {
      if (wire) writeFileAtomic(bundleFile(this.opts.dir, scope), wire);
      else removeFileIfPresent(bundleFile(this.opts.dir, scope));
    } catch (err) {
      this.log.error({ scope, err: (err as Error).message }, 'applied fleet bundle cannot be kept on disk: a restart without backhaul will not have it');
    }
    this.counters.bundlesApplied += 1;
    this.lastEvent = 'applied';
    const status = this.opts.directory.fleetStatus();
    if (held) {
      this.log.info(
        { scope, version: held.bundle.version, sha256: held.bundle.sha256, devices: status.devices, shadowedByLocal: status.shadowedByLocal, tookMs: Date.now() - arrived, wireBytes: held.bundle.wireBytes },
        'fleet bundle applied',
      );
    } else this.log.info({ scope }, 'fleet bundle withdrawn by the hub: its devices are removed');
    this.publishState();
  }

  private refuse(scope: Scope, wireSha: string | null, version: string | null, sha256: string | null, reasons: string[]): void {
    this.counters.bundlesRefused += 1;
    this.lastEvent = 'refused';
    this.refused = { scope, version, sha256, at: new Date().toISOString(), reasons, wireSha };
    const inUse = this.held[scope]?.bundle.version ?? null;
    this.log.error({ scope, version, reasons, inUse }, `fleet bundle refused, ${inUse ? `${scope} bundle ${inUse} stays in use` : 'nothing from it is used'}. First reason: ${reasons[0]}`);
    this.publishState();
  }

  private onSession(topic: string, payload: Buffer): void {
    const devEui = sessionTopicDevEui(topic).toLowerCase();
    if (payload.length === 0) {
      if (this.sessions.withdraw(devEui) === 'removed') this.log.info({ devEui }, 'handed-over session withdrawn by the hub');
      return;
    }
    const d = decodeSessionMessage(payload, { trusted: this.ctx.trusted, privateKey: this.ctx.privateKey, topicDevEui: devEui });
    if (!d.ok) {
      this.counters.sessionUpdatesRefused += 1;
      this.log.error({ devEui, reasons: d.reasons }, `session update refused: ${d.reasons[0]}`);
      this.publishState();
      return;
    }
    const result = this.sessions.apply(d.session);
    this.counters.sessionUpdates += 1;
    if (result === 'new' || result === 'replaced') {
      this.log.info({ devEui, devAddr: d.session.devAddr.toString(16).padStart(8, '0'), lorawan: d.session.lorawan, joinedAt: d.session.joinedAt, result }, 'handed-over session in use');
      this.publishState();
    } else if (result === 'older') this.log.warn({ devEui, joinedAt: d.session.joinedAt }, 'session update older than the session in use: ignored');
  }

  state(): FleetState {
    const status = this.opts.directory.fleetStatus();
    const applied = (h: Held | null): AppliedBundleState | null =>
      h ? { version: h.bundle.version, sha256: h.bundle.sha256, createdAt: h.bundle.createdAt, appliedAt: h.appliedAt, signedBy: h.bundle.signed, sealed: h.bundle.sealed } : null;
    const refused = this.refused ? { scope: this.refused.scope, version: this.refused.version, sha256: this.refused.sha256, at: this.refused.at, reasons: this.refused.reasons } : null;
    return {
      format: 'lora-edge-fleet-state',
      gatewayId: this.opts.gatewayId,
      updatedAt: new Date().toISOString(),
      status: this.lastEvent,
      fleet: applied(this.held.fleet),
      gateway: applied(this.held.gateway),
      devices: status.devices,
      shadowedByLocal: status.shadowedByLocal,
      sessions: this.sessions.size,
      refused,
      refusedCount: this.counters.bundlesRefused,
      sessionUpdatesRefused: this.counters.sessionUpdatesRefused,
    };
  }

  /** Retained, so the hub sees it whenever it looks; re-sent on every connect. */
  private publishState(): void {
    const hub = this.opts.hub;
    if (!hub.online) return;
    hub.publish(hub.topics.fleet('state'), JSON.stringify(this.state()), 1, true).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'fleet state not published (sent again on the next connect)');
    });
  }
}
