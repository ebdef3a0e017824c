// Each built piece of the daemon as a Part: how it starts, how it stops, and which of its numbers go
// into the snapshot. One adapter per piece, so its report lives next to its start and stop.
import type { Part, SnapshotReport } from './part.js';
import type { Outbox } from '../outbox/outbox.js';
import type { HubClient } from '../mqtt/hub-client.js';
import type { BatchPublisher } from '../mqtt/batch-publisher.js';
import type { DeviceAckQueue } from '../mqtt/device-ack-queue.js';
import type { UnstoredRecords } from '../mqtt/unstored-records.js';
import type { NetworkServerDownlinks } from '../mqtt/chirpstack/ns-downlinks.js';
import type { DeviceDirectory } from '../devices/index.js';
import type { FleetSync } from '../fleet/index.js';
import type { TransmitGate } from '../downlink/transmit-gate.js';
import type { EdgeMode } from '../edge/index.js';
import type { UplinkPipeline } from '../pipeline/index.js';
import type { OverloadDoor } from '../pipeline/overload-door.js';
import type { RadioSource } from '../radio/radio-frame.js';
import type { CronJobs } from '../ops/cron-jobs.js';
import type { OpsServer } from '../ops/http-server.js';
import { dropsByReason } from '../ops/jobs.js';
import { RateMeter, RECONNECT_LOOP_WINDOW_MS, type ConfigCheckReport } from '../ops/snapshot.js';
import type { RecentTraffic } from '../ops/recent-traffic.js';
import { MinuteHistory } from '../ops/minute-history.js';
import type { LogTail } from '../log-tail.js';
import type { CaptureClock } from '../clock/capture-clock.js';

const nothing = async (): Promise<void> => undefined;

export function outboxPart(outbox: Outbox): Part {
  return {
    name: 'outbox',
    start: nothing, // Outbox.open() opened it
    stop: () => outbox.close(),
    report: (now) => {
      const st = outbox.stats();
      return { outbox: { ...st, oldestAgeMs: st.oldestCapturedAt ? now - Date.parse(st.oldestCapturedAt) : null } };
    },
  };
}

export function clockPart(clock: CaptureClock): Part {
  return { name: 'clock', start: () => clock.start(), stop: () => clock.stop(), report: () => ({ clock: clock.report() }) };
}

export function unstoredPart(unstored: UnstoredRecords): Part {
  return { name: 'unstored records', start: nothing, stop: nothing, report: () => ({ unstoredDropped: unstored.dropped }) };
}

export function hubPart(hub: HubClient): Part {
  return {
    name: 'mqtt',
    start: async () => hub.start(),
    stop: () => hub.stop(),
    report: (now) => ({ mqtt: { state: hub.state(), connected: hub.online, ...hub.counters, closesRecent: hub.closesWithin(RECONNECT_LOOP_WINDOW_MS, now) } }),
  };
}

/** The forwarder, with its drain rate (sampled each second) and the drain since the last (re)connect. */
export class ForwarderPart implements Part {
  readonly name = 'forwarder';
  private readonly meter = new RateMeter();
  private drain: { since: number; startDepth: number; startAcked: number } | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly forwarder: BatchPublisher,
    outbox: Outbox,
    hub: HubClient,
  ) {
    outbox.onFlushed(() => forwarder.wake());
    hub.onOnline(() => {
      this.drain = { since: Date.now(), startDepth: outbox.stats().depth, startAcked: forwarder.counters.recordsAcked };
      forwarder.wake();
    });
  }

  async start(): Promise<void> {
    this.forwarder.wake();
    this.timer = setInterval(() => this.meter.sample(this.forwarder.counters.recordsAcked), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.forwarder.stop();
  }

  report(): SnapshotReport {
    return { forwarder: { ...this.forwarder.counters, drainRatePerS: this.meter.perSecond(), drain: this.drain } };
  }
}

export function fleetPart(fleet: FleetSync): Part {
  return { name: 'fleet', start: () => fleet.start(), stop: () => fleet.stop(), report: () => fleet.report() };
}

export function devicesPart(devices: DeviceDirectory): Part {
  return {
    name: 'devices',
    start: nothing, // DeviceDirectory.open() loaded it
    stop: () => devices.close(),
    report: () => {
      const c = devices.counters();
      return {
        devices: {
          registry: devices.registryStatus(),
          micFailures: c.micFailures,
          replays: c.replays,
          unknown: c.unknown,
          decoded: c.decodedPerCodec,
          codecErrors: c.codecErrors,
        },
      };
    },
  };
}

export function downlinkSchedulerPart(scheduler: TransmitGate): Part {
  return {
    name: 'downlink scheduler',
    start: nothing,
    stop: async () => scheduler.close(),
    report: () => {
      const st = scheduler.counters();
      return { downlinks: { byStatus: st.byStatus, dutyCycle: st.dutyCycle } };
    },
  };
}

export function networkServerDownlinksPart(ns: NetworkServerDownlinks): Part {
  return { name: 'chirpstack command/down', start: nothing, stop: nothing, report: () => ({ downlinks: { networkServer: ns.counters() } }) };
}

export function deviceAcksPart(acks: DeviceAckQueue): Part {
  return {
    name: 'device acks',
    start: nothing,
    stop: nothing,
    report: () => ({ downlinks: { deviceAcks: { dropped: acks.dropped, tooLarge: acks.tooLarge } } }),
  };
}

export function edgePart(edge: EdgeMode): Part {
  return {
    name: 'edge',
    start: nothing, // EdgeMode.open() restored its state
    stop: () => edge.close(),
    report: () => ({
      downlinks: {
        edge: {
          joinsAccepted: edge.counters.joinsAccepted,
          devNonceReused: edge.counters.devNonceReused,
          acksSent: edge.counters.acksSent,
          commands: { ...edge.counters.commands },
        },
      },
    }),
  };
}

export function pipelinePart(pipeline: UplinkPipeline, outbox: Outbox): Part {
  return {
    name: 'pipeline',
    start: nothing,
    // Frames still being handed over when stopping are flushed by the outbox's own close.
    stop: () => outbox.flush(),
    report: () => {
      const { perSource: _perSource, lastFrameAt: _lastFrameAt, ...counters } = pipeline.counters;
      return { pipeline: counters, drops: dropsByReason({ outbox, pipeline }) };
    },
  };
}

/** Back-pressure at the radio sources: frames refused while the outbox falls behind. */
export function overloadDoorPart(door: OverloadDoor): Part {
  return { name: 'overload door', start: nothing, stop: nothing, report: () => ({ intake: door.counters() }) };
}

/** A radio source; its frame counts are the pipeline's, per source. */
export function sourcePart(source: RadioSource, pipeline: UplinkPipeline): Part {
  return {
    name: `source ${source.id}`,
    start: () => source.start(),
    stop: () => source.stop(),
    report: () => ({
      sources: [
        {
          id: source.id,
          state: source.state(),
          frames: pipeline.counters.perSource[source.id] ?? { ok: 0, bad: 0, none: 0 },
          lastFrameAt: pipeline.counters.lastFrameAt[source.id] ?? null,
          counters: source.counters(),
        },
      ],
    }),
  };
}

export function jobsPart(scheduler: CronJobs): Part {
  return { name: 'scheduler', start: async () => scheduler.start(), stop: () => scheduler.stop() };
}

export function opsServerPart(ops: OpsServer): Part {
  return { name: 'ops http', start: async () => void (await ops.start()), stop: () => ops.stop() };
}

/** The last uplinks and devices heard (an uplink exit), for the technician's page. */
export function trafficPart(traffic: RecentTraffic): Part {
  return { name: 'recent traffic', start: nothing, stop: nothing, report: () => ({ traffic: traffic.report() }) };
}

/** Frames per minute and outbox depth over the last hour, sampled every 5 s. */
export class HistoryPart implements Part {
  readonly name = 'history';
  private readonly history = new MinuteHistory(60);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pipeline: UplinkPipeline,
    private readonly outbox: Outbox,
    private readonly everyMs = 5000,
  ) {}

  private sample(now = Date.now()): void {
    this.history.sample(this.pipeline.counters.received, this.outbox.stats().depth, now);
  }

  async start(): Promise<void> {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  report(now: number): SnapshotReport {
    this.sample(now);
    return { history: this.history.series() };
  }
}

/** The last warnings and errors logged, and the configuration check at start. */
export function problemsPart(tail: LogTail | undefined, configCheck: ConfigCheckReport | undefined): Part {
  return {
    name: 'problems',
    start: nothing,
    stop: nothing,
    report: () => ({
      ...(tail ? { problems: { recent: tail.recent(), counts: { ...tail.counts } } } : {}),
      ...(configCheck ? { configCheck } : {}),
    }),
  };
}
