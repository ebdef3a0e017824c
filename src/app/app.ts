// The composition root: builds every part from the config, starts them in order (outbox, hub
// connection, batch forwarder, uplink pipeline, radio sources) and stops them in reverse order.
import type { Config } from '../config/schema.js';
import { sourceId } from '../config/load.js';
import type { Logger } from '../log.js';
import type { RadioFrame, RadioSource } from '../radio/radio-frame.js';
import { UdpSource } from '../radio/udp/index.js';
import { Outbox } from '../outbox/outbox.js';
import type { StoreRecovery } from '../store-recovery.js';
import type { OutboxRecord } from '../outbox/record.js';
import { HubClient } from '../mqtt/hub-client.js';
import { BatchPublisher as BatchForwarder } from '../mqtt/batch-publisher.js';
import { Topics } from '../mqtt/topics.js';
import { fitHubBatch } from '../mqtt/batch-fit.js';
import { maxPayloadBytes } from '../mqtt/packet-size.js';
import { marshal, toUplinkFrame } from '../mqtt/chirpstack.js';
import { UplinkPipeline, type DeviceResolver } from './uplink-pipeline.js';
import { wrapContext } from '../radio/source-context.js';
import { TransmitGate as DownlinkScheduler } from '../downlink/transmit-gate.js';
import { NetworkServerDownlinks } from '../downlink/ns-downlinks.js';
import { CronJobs as Scheduler } from '../ops/cron-jobs.js';
import { publishGatewayStats, logDailySummary, dropsByReason, loraEdgeVersion, type JobContext } from '../ops/jobs.js';
import { RateMeter, RECONNECT_LOOP_WINDOW_MS, type DaemonSnapshot, type DeviceLayerSnapshot } from '../ops/snapshot.js';
import { createMetricsRegistry } from '../ops/metrics.js';
import { OpsServer } from '../ops/http-server.js';
import { DeviceDirectory } from '../devices/index.js';
import { outboxDir, deviceStateDir, edgeStateDir, dutyCycleStatePath } from './storage-layout.js';
import { EdgeMode, edgeSettings } from '../edge/index.js';
import { DeviceAckQueue } from '../mqtt/device-ack-queue.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** MQTT password (read from a file or the environment by the caller). */
  mqttPassword?: string;
  /** Replaces the device directory the app would open from the config (tests). */
  devices?: DeviceResolver;
}

interface Part {
  name: string;
  stop: () => Promise<void> | void;
}

export class App {
  readonly config: Config;
  private readonly log: Logger;
  private readonly parts: Part[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  outbox: Outbox | undefined;
  hub: HubClient | undefined;
  forwarder: BatchForwarder | undefined;
  /** Damaged stores repaired or moved aside at start (health, metrics, status). */
  readonly storeRecoveries: StoreRecovery[] = [];
  pipeline: UplinkPipeline | undefined;
  readonly sources: RadioSource[] = [];
  private uplinkId = Math.floor(Math.random() * 0xffffffff);
  /** Source id -> its index in the configuration, which prefixes the context sent to ChirpStack. */
  private readonly sourceIndex = new Map<string, number>();
  /** Records the outbox could not store and that could not be sent live either. */
  unstoredDropped = 0;
  private readonly drainMeter = new RateMeter();
  private drain: { since: number; startDepth: number; startAcked: number } | null = null;
  ops: OpsServer | undefined;
  devices: DeviceDirectory | undefined;
  scheduler: DownlinkScheduler | undefined;
  nsDownlinks: NetworkServerDownlinks | undefined;
  edge: EdgeMode | undefined;

  constructor(private readonly opts: AppOptions) {
    this.config = opts.config;
    this.log = opts.logger;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('already started');
    this.started = true;
    const c = this.config;
    try {
      const outbox = await Outbox.open({
        dir: outboxDir(c.storage.dir),
        maxBytes: c.storage.maxBytes,
        maxAgeMs: c.storage.maxAge,
        flushIntervalMs: c.storage.flushInterval,
        flushMaxRecords: c.storage.flushMaxRecords,
        sync: c.storage.sync,
        logger: this.log.child({ part: 'outbox' }),
        onUnstored: (records, err) => this.handleUnstored(records, err),
        recoverDamaged: true,
      });
      this.outbox = outbox;
      if (outbox.recovery) this.storeRecoveries.push(outbox.recovery);
      this.parts.push({ name: 'outbox', stop: () => outbox.close() });
      const st = outbox.stats();
      this.log.info({ dir: outboxDir(c.storage.dir), depth: st.depth, bytes: st.bytes, nextSeq: st.nextSeq }, 'outbox open');

      const hub = new HubClient({
        url: c.mqtt.url,
        gatewayId: c.gateway.id,
        topicPrefix: c.mqtt.topicPrefix,
        marshaler: c.mqtt.marshaler,
        clientId: c.mqtt.clientId,
        username: c.mqtt.username,
        password: this.opts.mqttPassword,
        ca: c.mqtt.ca,
        cert: c.mqtt.cert,
        key: c.mqtt.key,
        keepaliveMs: c.mqtt.keepalive,
        publishTimeoutMs: c.mqtt.publishTimeout,
        reconnectMinMs: c.mqtt.reconnectMin,
        reconnectMaxMs: c.mqtt.reconnectMax,
        maxPacketSize: c.mqtt.maxPacketSize,
        protocolVersion: c.mqtt.protocolVersion,
        subscriberRequiredTopics: [new Topics(c.mqtt.topicPrefix, c.gateway.id).event('batch')],
        logger: this.log.child({ part: 'mqtt' }),
        onCommand: (name, payload) => this.handleCommand(name, payload),
      });
      this.hub = hub;
      hub.start();
      this.parts.push({ name: 'mqtt', stop: () => hub.stop() });

      const forwarder = new BatchForwarder(outbox, hub, {
        gatewayId: c.gateway.id,
        topic: hub.topics.event('batch'),
        maxRecords: c.batch.maxRecords,
        maxBytes: c.batch.maxBytes,
        inflight: c.batch.inflight,
        compression: c.batch.compression,
        // Long enough for a slow broker under a backlog; short enough that a lost PUBACK cannot stall delivery.
        stuckAfterMs: Math.max(60_000, 4 * c.mqtt.publishTimeout),
        maxPacketSize: c.mqtt.maxPacketSize,
        logger: this.log.child({ part: 'forwarder' }),
      });
      this.forwarder = forwarder;
      outbox.onFlushed(() => forwarder.wake());
      hub.onOnline(() => {
        this.drain = { since: Date.now(), startDepth: outbox.stats().depth, startAcked: forwarder.stats.recordsAcked };
        forwarder.wake();
      });
      forwarder.wake();
      this.parts.push({ name: 'forwarder', stop: () => forwarder.stop() });

      let resolver: DeviceResolver | undefined = this.opts.devices;
      if (!resolver) {
        const devices = await DeviceDirectory.open({
          registryPath: c.devices.registry,
          profilesDir: c.devices.profilesDir,
          stateDir: deviceStateDir(c.storage.dir),
          recoveries: this.storeRecoveries,
          codecTimeLimitMs: c.devices.codecTimeLimit,
          logger: this.log.child({ part: 'devices' }),
        });
        this.devices = devices;
        resolver = devices;
        this.parts.push({ name: 'devices', stop: () => devices.close() });
      }

      // Downlinks go through one scheduler (duty cycle, power limits) to the source that can send
      // them; `this.sources` fills in config order, which is the index in the uplink context.
      const downlinks = new DownlinkScheduler({
        sources: this.sources,
        dutyCycle: c.downlink.dutyCycle,
        maxTxPower: c.downlink.maxTxPower,
        logger: this.log.child({ part: 'downlink' }),
        statePath: dutyCycleStatePath(c.storage.dir),
      });
      this.scheduler = downlinks;
      this.parts.push({ name: 'downlink scheduler', stop: () => downlinks.close() });
      if (c.downlink.enabled) {
        this.nsDownlinks = new NetworkServerDownlinks({
          gatewayId: c.gateway.id,
          marshaler: c.mqtt.marshaler,
          scheduler: downlinks,
          publishAck: (payload) => void hub.publish(hub.topics.event('ack'), payload, 1).catch(() => undefined),
          logger: this.log.child({ part: 'downlink' }),
        });
      }

      // Edge mode answers joins and carries hub commands for the devices the gateway knows; it is
      // built even when disabled globally, as single devices may opt in (`edge: true`).
      if (this.devices) {
        const acks = new DeviceAckQueue(hub, hub.topics.event('device-ack'), this.log.child({ part: 'edge' }));
        hub.onOnline(() => acks.flush());
        const edge = await EdgeMode.open({
          config: edgeSettings(c),
          directory: this.devices,
          scheduler: downlinks,
          sources: this.sources,
          stateDir: edgeStateDir(c.storage.dir),
          recoveries: this.storeRecoveries,
          logger: this.log.child({ part: 'edge' }),
          publishDeviceAck: (event) => acks.publish(event),
        });
        this.edge = edge;
        this.parts.push({ name: 'edge', stop: () => edge.close() });
      }

      const upTopic = hub.topics.event('up');
      const pipeline = new UplinkPipeline({
        forwardCrcBad: c.radio.forwardCrcBad,
        forwardCrcNone: c.radio.forwardCrcNone,
        dedupWindowMs: c.radio.dedupWindow,
        logger: this.log.child({ part: 'uplink' }),
        store: (record) => outbox.append(record),
        publishLive: (frame: RadioFrame) => {
          if (!hub.online) return false;
          this.uplinkId = (this.uplinkId + 1) >>> 0;
          const index = this.sourceIndex.get(frame.source) ?? 0;
          const live = frame.context ? { ...frame, context: wrapContext(index, frame.context) } : frame;
          const msg = toUplinkFrame(live, { gatewayId: c.gateway.id, uplinkId: this.uplinkId });
          return hub.publishLive(upTopic, marshal(msg, c.mqtt.marshaler));
        },
        liveMaxAgeMs: c.mqtt.liveMaxAge,
        devices: resolver,
        afterUplink: this.edge ? (phy, frame, outcome) => this.edge!.onUplink(phy, frame, outcome) : undefined,
      });
      this.pipeline = pipeline;
      // Frames still being handed over when stopping are flushed by the outbox's own close.
      this.parts.push({ name: 'pipeline', stop: () => outbox.flush() });

      for (const [index, sc] of c.sources.entries()) {
        const id = sourceId(sc, c.sources);
        this.sourceIndex.set(id, index);
        const logger = this.log.child({ part: 'source' });
        const source: RadioSource =
          sc.type === 'udp'
            ? new UdpSource({ id, bind: sc.bind, logger, onFrame: pipeline.handle })
            : // path, driver, baudRate and the driver's own keys pass through as configured.
              new (await import('../radio/serial/serial-source.js')).SerialSource({ ...sc, id, logger, onFrame: pipeline.handle });
        await source.start();
        this.sources.push(source);
        this.parts.push({ name: `source ${id}`, stop: () => source.stop() });
        this.log.info({ source: id, state: source.state() }, 'radio source started');
      }
      const jobs: JobContext = {
        gatewayId: c.gateway.id,
        marshaler: c.mqtt.marshaler,
        logger: this.log.child({ part: 'ops' }),
        outbox,
        hub,
        pipeline,
        sources: this.sources,
        startedAt: this.startedAt,
      };
      const summaryBase = { received: 0 };
      const scheduler = new Scheduler(
        [
          { name: 'stats', schedule: c.ops.statsSchedule, run: () => void publishGatewayStats(jobs) },
          { name: 'retention', schedule: c.ops.retentionSchedule, run: async () => void (await outbox.sweep()) },
          { name: 'summary', schedule: c.ops.summarySchedule, run: () => logDailySummary(jobs, summaryBase) },
        ],
        { logger: jobs.logger, timezone: c.ops.timezone },
      );
      scheduler.start();
      this.parts.push({ name: 'scheduler', stop: () => scheduler.stop() });
      const meterTimer = setInterval(() => this.drainMeter.sample(forwarder.stats.recordsAcked), 1000);
      meterTimer.unref();
      this.parts.push({ name: 'drain meter', stop: () => clearInterval(meterTimer) });
      if (c.ops.http.enabled) {
        const ops = new OpsServer({
          bind: c.ops.http.bind,
          tokenFile: c.ops.http.tokenFile,
          allowedHosts: c.ops.http.allowedHosts,
          snapshot: () => this.snapshot(),
          registry: createMetricsRegistry(() => this.snapshot()),
          logger: this.log.child({ part: 'ops' }),
        });
        await ops.start();
        this.ops = ops;
        this.parts.push({ name: 'ops http', stop: () => ops.stop() });
      }
      // Records that expired while the daemon was stopped go now, not at the next hourly sweep.
      outbox.sweep().catch((err: Error) => this.log.error({ err: err.message }, 'outbox retention sweep failed'));

      if (this.edge) void this.edge.resumeQueues();
      this.log.info({ gatewayId: c.gateway.id, sources: this.sources.map((s) => s.id), mqtt: c.mqtt.url }, 'lora-edge running');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Outbox writes failed (disk full, I/O error): send those records live in a batch of their own
   * when connected; otherwise they are lost, and that is counted and logged.
   */
  private handleUnstored(records: OutboxRecord[], err: Error): void {
    const hub = this.hub;
    if (!hub?.online || records.length === 0) {
      this.unstoredDropped += records.length;
      this.log.error({ records: records.length, err: err.message }, 'outbox write failed while offline: records dropped');
      return;
    }
    // Cut to the packet limit like the forwarder's batches.
    const topic = hub.topics.event('batch');
    const budget = maxPayloadBytes(topic, hub.maxPacketSize);
    for (let rest = records; rest.length > 0; ) {
      const fitted = fitHubBatch(this.config.gateway.id, rest, Date.now(), hub.onlineSince, budget);
      const count = fitted.count;
      rest = rest.slice(count);
      if (fitted.kind === 'too_large') {
        this.unstoredDropped += count;
        continue;
      }
      hub.publish(topic, fitted.json, 1).catch((e: Error) => {
        this.unstoredDropped += count;
        this.log.error({ records: count, err: e.message }, 'records the outbox could not store were not delivered either');
      });
    }
  }

  private lastFlushes = -1;
  private lastProgressAt = Date.now();

  /**
   * For the systemd watchdog: the event loop runs (we are called from a timer) and the outbox is
   * not stuck (records waiting have been written within the last 30 s).
   */
  isPipelineAlive(now = Date.now()): boolean {
    if (!this.outbox) return false;
    const st = this.outbox.stats();
    if (st.pending === 0 || st.flushes !== this.lastFlushes) this.lastProgressAt = now;
    this.lastFlushes = st.flushes;
    return now - this.lastProgressAt < 30_000;
  }

  /** Commands from the hub, by the last topic level. */
  private handleCommand(name: string, payload: Buffer): void {
    if (name === 'down' && this.nsDownlinks) void this.nsDownlinks.handle(payload);
    else if (name === 'device' && this.edge) void this.edge.handleDeviceCommand(payload);
    else this.log.debug({ command: name }, 'command ignored (not enabled or unknown)');
  }

  /** Re-reads the device registry (SIGHUP); frames keep flowing meanwhile. */
  async reloadDevices(): Promise<void> {
    if (!this.devices) return;
    const r = await this.devices.reload();
    // A refused reload is logged (file, line, reason) and counted by the directory itself.
    if (r.applied) this.log.info({ devices: r.devices, problems: r.problems.length }, 'device registry reloaded');
  }

  /** Stops every started part in reverse order; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const part of [...this.parts].reverse()) {
        try {
          await part.stop();
        } catch (err) {
          this.log.error({ part: part.name, err: (err as Error).message }, 'stopping a part failed');
        }
      }
      this.parts.length = 0;
      this.log.info('lora-edge stopped');
    })();
    return this.stopping;
  }

  uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /** A read-only view of every part, for metrics, health and `lora-edge status`. */
  snapshot(): DaemonSnapshot {
    const now = Date.now();
    const outbox = this.outbox!.stats();
    const p = this.pipeline!.stats;
    const { perSource, lastFrameAt, ...pipeline } = p;
    const scheduler = this.scheduler?.stats();
    return {
      gatewayId: this.config.gateway.id,
      version: loraEdgeVersion(),
      now,
      uptimeMs: now - this.startedAt,
      sources: this.sources.map((src) => ({
        id: src.id,
        state: src.state(),
        frames: perSource[src.id] ?? { ok: 0, bad: 0, none: 0 },
        lastFrameAt: lastFrameAt[src.id] ?? null,
        counters: src.counters(),
      })),
      mqtt: { state: this.hub!.state(), connected: this.hub!.online, ...this.hub!.stats, closesRecent: this.hub!.closesWithin(RECONNECT_LOOP_WINDOW_MS, now) },
      outbox: { ...outbox, oldestAgeMs: outbox.oldestCapturedAt ? now - Date.parse(outbox.oldestCapturedAt) : null },
      forwarder: { ...this.forwarder!.stats, drainRatePerS: this.drainMeter.perSecond(), drain: this.drain },
      pipeline,
      drops: dropsByReason({ outbox: this.outbox!, pipeline: this.pipeline! }),
      devices: this.devices ? deviceLayerSnapshot(this.devices) : null,
      unstoredDropped: this.unstoredDropped,
      storeRecoveries: [...this.storeRecoveries],
      downlinks: {
        byStatus: scheduler?.byStatus ?? {},
        dutyCycle: scheduler?.dutyCycle ?? [],
        edge: this.edge
          ? {
              joinsAccepted: this.edge.counters.joinsAccepted,
              devNonceReused: this.edge.counters.devNonceReused,
              acksSent: this.edge.counters.acksSent,
              commands: { ...this.edge.counters.commands },
            }
          : null,
      },
    };
  }
}

function deviceLayerSnapshot(d: DeviceDirectory): DeviceLayerSnapshot {
  const c = d.counters();
  return { registry: d.registryStatus(), micFailures: c.micFailures, replays: c.replays, unknown: c.unknown, decoded: c.decodedPerCodec, codecErrors: c.codecErrors };
}
