// One read-only view of the running daemon, taken on demand (a scrape, a status request): the
// metrics, the health check and `lora-edge status` all render this, so they never disagree.
import type { RegistryStatus } from '../devices/device-directory.js';
import type { OutboxStats } from '../outbox/outbox.js';
import type { HubCounters } from '../mqtt/hub-client.js';
import type { BatchPublisherCounters as ForwarderCounters } from '../mqtt/batch-publisher.js';
import type { StoreRecovery } from '../store-recovery.js';
import type { PipelineCounters } from '../pipeline/uplink-pipeline.js';
import type { NsDownlinkCounter } from '../mqtt/chirpstack/ns-downlinks.js';
import type { ProcessMemory } from './process-memory.js';
import type { OverloadDoorCounters } from '../pipeline/overload-door.js';
import type { CaptureClockReport } from '../clock/capture-clock.js';
import type { TrafficReport } from './recent-traffic.js';
import type { MinuteBucket } from './minute-history.js';
import type { LogTailEntry } from '../log-tail.js';

/** The configuration the daemon started with, as checked at start (the page shows it). */
export interface ConfigCheckReport {
  /** The file (or `demo`) the configuration came from. */
  source: string;
  warnings: string[];
  envApplied: string[];
}

export interface SourceSnapshot {
  id: string;
  state: string;
  frames: { ok: number; bad: number; none: number };
  lastFrameAt: number | null;
  counters: Record<string, number>;
}

/** The device registry file: in use or not, reloads applied and refused. */
export type RegistrySnapshot = RegistryStatus;

export interface DeviceLayerSnapshot {
  /** Null when no registry file is configured. */
  registry: RegistrySnapshot | null;
  micFailures: number;
  replays: number;
  unknown: number;
  decoded: Record<string, number>;
  codecErrors: Record<string, number>;
}

/** Bundles in use (versions only, never keys), devices from them, session hand-overs. */
export interface FleetSnapshot {
  fleetVersion: string | null;
  gatewayVersion: string | null;
  devices: number;
  shadowedByLocal: number;
  sessions: number;
  bundlesApplied: number;
  bundlesRefused: number;
  sessionUpdates: number;
  sessionUpdatesRefused: number;
  lastRefused: { scope: string; version: string | null; at: string; reasons: number } | null;
}

export interface DaemonSnapshot {
  gatewayId: string;
  version: string;
  now: number;
  uptimeMs: number;
  /** The daemon process's memory (absent from daemons older than issue 13). */
  process?: ProcessMemory;
  sources: SourceSnapshot[];
  /** Back-pressure at the radio sources (absent from daemons older than issue 13). */
  intake?: OverloadDoorCounters;
  /** closesRecent: connections closed within RECONNECT_LOOP_WINDOW_MS. */
  mqtt: { state: string; connected: boolean; closesRecent: number } & HubCounters;
  outbox: OutboxStats & { oldestAgeMs: number | null };
  /** The capture-time counters are absent from daemons older than hub schema 2. */
  forwarder: Omit<ForwarderCounters, 'capturedAtCorrected' | 'capturedAtUncorrected'> &
    Partial<Pick<ForwarderCounters, 'capturedAtCorrected' | 'capturedAtUncorrected'>> & {
    drainRatePerS: number;
    /** Since the last (re)connect: outbox depth then and records delivered then. */
    drain: { since: number; startDepth: number; startAcked: number } | null;
  };
  /** `filtered` is absent from daemons older than the uplink filters. */
  pipeline: Omit<PipelineCounters, 'perSource' | 'lastFrameAt' | 'filtered'> & Partial<Pick<PipelineCounters, 'filtered'>>;
  drops: Record<string, number>;
  /** The system clock as the records see it (absent from daemons older than hub schema 2). */
  clock?: CaptureClockReport;
  devices: DeviceLayerSnapshot | null;
  /** Fleet provisioning (docs/fleet.md); null or absent when fleet.enabled is off. */
  fleet?: FleetSnapshot | null;
  /** Records the outbox could not store that could not be sent live either. */
  unstoredDropped: number;
  /** Damaged stores repaired or moved aside when the daemon started. */
  storeRecoveries: StoreRecovery[];
  downlinks: {
    /** Transmissions handed to the radio, by the status it reported (or the scheduler's refusal). */
    byStatus: Record<string, number>;
    dutyCycle: Array<{ name: string; usedMs: number; allowedMs: number }>;
    edge: { joinsAccepted: number; devNonceReused: number; acksSent: number; commands: Record<string, number> } | null;
    /** ChirpStack command/down handling; null when network-server downlinks are disabled (absent from older daemons). */
    networkServer?: Record<NsDownlinkCounter, number> | null;
    /** Device-command events for the hub that were lost: queue bound reached, or too large to publish. */
    deviceAcks?: { dropped: number; tooLarge: number } | null;
  };
  /** The technician's page (absent from older daemons): last uplinks and devices heard. */
  traffic?: TrafficReport;
  /** Frames per minute and outbox depth over the last hour, oldest first. */
  history?: MinuteBucket[];
  /** The last warnings and errors logged, newest first, and how many since start. */
  problems?: { recent: LogTailEntry[]; counts: { warn: number; error: number; fatal: number } };
  configCheck?: ConfigCheckReport;
}

/** Records acknowledged per second over a sliding window, sampled by a timer. */
export class RateMeter {
  private samples: Array<{ t: number; v: number }> = [];

  constructor(private readonly windowMs = 10_000) {}

  sample(value: number, now = Date.now()): void {
    this.samples.push({ t: now, v: value });
    while (this.samples.length > 2 && now - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  perSecond(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? ((b.v - a.v) * 1000) / (b.t - a.t) : 0;
  }
}

/** A connection that closed this often within the window is looping (refused message, flapping link). */
export const RECONNECT_LOOP_WINDOW_MS = 5 * 60_000;
export const RECONNECT_LOOP_CLOSES = 5;

export type HealthStatus = { status: 'ok' | 'degraded'; reasons: string[] };

/** Ok, or degraded with every reason a technician should look at. */
export function healthOf(s: DaemonSnapshot): HealthStatus {
  const reasons: string[] = [];
  if (!s.mqtt.connected) reasons.push(`MQTT broker not connected (${s.mqtt.state}); uplinks are kept in the outbox`);
  if (s.mqtt.closesRecent >= RECONNECT_LOOP_CLOSES) {
    reasons.push(
      `MQTT connection keeps dropping: ${s.mqtt.closesRecent} closes in the last ${RECONNECT_LOOP_WINDOW_MS / 60_000} min ` +
        `(${s.mqtt.connectAttempts} connection attempts, ${s.mqtt.connects} completed); check the broker's log and limits such as max_packet_size`,
    );
  }
  for (const src of s.sources) {
    if (!/^(listening|receiving|open)/.test(src.state)) reasons.push(`radio source ${src.id} is ${src.state}`);
  }
  if (s.outbox.writeErrors > 0 && s.outbox.dropped.write_error + s.unstoredDropped > 0) {
    reasons.push(`outbox writes failed: ${s.outbox.dropped.write_error + s.unstoredDropped} records lost`);
  }
  for (const r of s.storeRecoveries) {
    reasons.push(
      r.action === 'repaired'
        ? `the ${r.store} store was damaged and repaired at start (${r.reason})`
        : `the ${r.store} store was damaged and moved aside to ${r.movedTo} at start (${r.reason}); a fresh one is in use`,
    );
  }
  if (s.forwarder.gapsDetected > 0) reasons.push(`forwarder found ${s.forwarder.gapsDetected} seq gaps (records missing without a counted drop); see the error log`);
  const reg = s.devices?.registry;
  if (reg && !reg.loaded) {
    reasons.push(`device registry ${reg.file} cannot be used, no device is decoded: ${reg.lastFailure?.problems[0] ?? 'not loaded'}`);
  } else if (reg?.lastFailure) {
    reasons.push(`device registry ${reg.file} reload refused, the previous one (${reg.devices} devices) stays: ${reg.lastFailure.problems[0]}`);
  }
  if (s.intake && !s.intake.open) {
    reasons.push(`overloaded: the outbox cannot keep up, new radio frames are refused (${s.intake.refused.overload} so far)`);
  }
  if (s.outbox.dropped.overflow > 0) reasons.push(`outbox reached its bound: ${s.outbox.dropped.overflow} oldest records dropped`);
  if (s.outbox.oldestAgeMs !== null && s.outbox.oldestAgeMs > 5 * 60_000 && s.mqtt.connected) {
    reasons.push(`outbox backlog: oldest record waiting ${Math.round(s.outbox.oldestAgeMs / 1000)} s`);
  }
  return { status: reasons.length ? 'degraded' : 'ok', reasons };
}
