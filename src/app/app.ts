// The composition root: builds every part from the config and starts it, in order (outbox, hub
// connection, forwarder, devices, downlinks, edge mode, uplink pipeline, radio sources, jobs, ops
// endpoint), and stops them in reverse order. Wiring only: what each part does lives in its room.
import type { Config } from '../config/schema.js';
import { sourceId } from '../config/load.js';
import { logTailOf, type Logger } from '../log.js';
import type { RadioFrame, RadioSource } from '../radio/radio-frame.js';
import { UdpSource } from '../radio/udp/index.js';
import { Outbox } from '../outbox/outbox.js';
import type { StoreRecovery } from '../store-recovery.js';
import { HubClient } from '../mqtt/hub-client.js';
import { BatchPublisher } from '../mqtt/batch-publisher.js';
import { UnstoredRecords } from '../mqtt/unstored-records.js';
import { DeviceAckQueue } from '../mqtt/device-ack-queue.js';
import { ChirpStackGatewayStats, ChirpStackLiveUplinks, NetworkServerDownlinks } from '../mqtt/chirpstack.js';
import { RadioTally, countingTransmissions } from '../mqtt/chirpstack/radio-tally.js';
import { UplinkPipeline, compileCheckedFilter, type UplinkExit } from '../pipeline/index.js';
import { OverloadDoor } from '../pipeline/overload-door.js';
import type { BatchWriter } from '../outbox/options.js';
import { TransmitGate } from '../downlink/transmit-gate.js';
import { DeviceDirectory, type DeviceResolver } from '../devices/index.js';
import { EdgeMode, edgeSettings } from '../edge/index.js';
import { EdgeUplinkExit } from '../edge/uplink-exit.js';
import { CronJobs } from '../ops/cron-jobs.js';
import { logDailySummary, loraEdgeVersion } from '../ops/jobs.js';
import type { ConfigCheckReport, DaemonSnapshot } from '../ops/snapshot.js';
import { RecentTraffic } from '../ops/recent-traffic.js';
import { processMemory } from '../ops/process-memory.js';
import type { Registry } from 'prom-client';
import { OpsServer } from '../ops/http-server.js';
import { OutboxLiveness } from '../ops/outbox-liveness.js';
import { CaptureClock } from '../clock/capture-clock.js';
import { createSyncSource } from '../clock/sync-source.js';
import { FleetSync } from '../fleet/index.js';
import { outboxDir, deviceStateDir, edgeStateDir, dutyCycleStatePath, fleetDir } from './storage-layout.js';
import { mergeReports, type Part } from './part.js';
import * as parts from './parts.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** MQTT password (read from a file or the environment by the caller). */
  mqttPassword?: string;
  /** Replaces the device directory the app would open from the config (tests). */
  devices?: DeviceResolver;
  /** Tests: wrap the outbox's batch writer (a slow or failing disk). */
  wrapOutboxWrite?: (write: BatchWriter) => BatchWriter;
  /** The configuration check at start (file, warnings), shown on the technician's page. */
  configCheck?: ConfigCheckReport;
}

/** The parts other parts (and tests) need to reach once built. */
interface Built {
  outbox?: Outbox;
  hub?: HubClient;
  forwarder?: BatchPublisher;
  devices?: DeviceDirectory;
  scheduler?: TransmitGate;
  nsDownlinks?: NetworkServerDownlinks;
  edge?: EdgeMode;
  pipeline?: UplinkPipeline;
  stats?: ChirpStackGatewayStats;
  ops?: OpsServer;
  liveness?: OutboxLiveness;
  clock?: CaptureClock;
}

export class App {
  readonly config: Config;
  private readonly log: Logger;
  private readonly parts: Part[] = [];
  private readonly built: Built = {};
  /** Built on the first scrape of /metrics (ops/http-server.ts says why). */
  private metricsRegistry: Promise<Registry> | undefined;
  /** Filled in config order as sources start: the index is the one ChirpStack echoes back. */
  private readonly radioSources: RadioSource[] = [];
  /** Damaged stores repaired or moved aside at start (health, metrics, status). */
  private readonly recoveries: StoreRecovery[] = [];
  /** Radio counts of the current gw.GatewayStats interval (frames heard, transmissions). */
  private readonly radioTally = new RadioTally();
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: AppOptions) {
    this.config = opts.config;
    this.log = opts.logger;
  }

  get outbox(): Outbox | undefined { return this.built.outbox; }
  get hub(): HubClient | undefined { return this.built.hub; }
  get forwarder(): BatchPublisher | undefined { return this.built.forwarder; }
  get pipeline(): UplinkPipeline | undefined { return this.built.pipeline; }
  get ops(): OpsServer | undefined { return this.built.ops; }
  get sources(): readonly RadioSource[] { return this.radioSources; }
  get storeRecoveries(): readonly StoreRecovery[] { return this.recoveries; }

  async start(): Promise<void> {
    if (this.started) throw new Error('already started');
    this.started = true;
    try {
      await this.startOutboxAndHub();
      await this.startDevicesAndDownlinks();
      await this.startUplinkPath();
      await this.startOps();
      // Records that expired while the daemon was stopped go now, not at the next hourly sweep.
      this.built.outbox!.sweep().catch((err: Error) => this.log.error({ err: err.message }, 'outbox retention sweep failed'));
      if (this.built.edge) void this.built.edge.resumeQueues();
      this.log.info({ gatewayId: this.config.gateway.id, sources: this.radioSources.map((s) => s.id), mqtt: this.config.mqtt.url }, 'lora-edge running');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async add(part: Part): Promise<void> {
    await part.start();
    this.parts.push(part);
  }

  private child(part: string): Logger {
    return this.log.child({ part });
  }

  private async startOutboxAndHub(): Promise<void> {
    const c = this.config;
    // First, so the first record already says whether the clock is synchronised.
    const clock = new CaptureClock({ source: createSyncSource(c.clock.syncSource), pollIntervalMs: c.clock.pollInterval, logger: this.child('clock') });
    this.built.clock = clock;
    await this.add(parts.clockPart(clock));
    const unstored = new UnstoredRecords(c.gateway.id, () => this.built.hub, this.child('outbox'), () => this.built.outbox?.stats().flushes ?? 0, clock);
    const outbox = await Outbox.open({
      dir: outboxDir(c.storage.dir),
      maxBytes: c.storage.maxBytes,
      maxAgeMs: c.storage.maxAge,
      flushIntervalMs: c.storage.flushInterval,
      flushMaxRecords: c.storage.flushMaxRecords,
      sync: c.storage.sync,
      logger: this.child('outbox'),
      onUnstored: (records, err) => unstored.handle(records, err),
      // Retention judges a record stamped before the clock synchronised by its corrected time.
      captureTimeOf: (record) => clock.captureTimeOf(record),
      recoverDamaged: true,
      wrapBatchWrite: this.opts.wrapOutboxWrite,
    });
    this.built.outbox = outbox;
    this.built.liveness = new OutboxLiveness(() => outbox.stats());
    if (outbox.recovery) this.recoveries.push(outbox.recovery);
    await this.add(parts.outboxPart(outbox));
    await this.add(parts.unstoredPart(unstored));
    const st = outbox.stats();
    this.log.info({ dir: outboxDir(c.storage.dir), depth: st.depth, bytes: st.bytes, nextSeq: st.nextSeq }, 'outbox open');

    const hub = new HubClient({
      url: c.mqtt.url,
      gatewayId: c.gateway.id,
      topicPrefix: c.mqtt.topicPrefix,
      legacyHubTopics: c.mqtt.legacyHubTopics,
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
      // Fleet bundles come in larger than anything the gateway publishes (MQTT 5 tells the broker).
      maxIncomingPacketSize: c.fleet.enabled ? c.fleet.maxBundleSize + 1024 : undefined,
      protocolVersion: c.mqtt.protocolVersion,
      batchesNeedSubscriber: true,
      logger: this.child('mqtt'),
      onCommand: (name, payload) => this.routeCommand(name, payload),
    });
    this.built.hub = hub;
    await this.add(parts.hubPart(hub));

    const forwarder = new BatchPublisher(outbox, hub, {
      gatewayId: c.gateway.id,
      topic: hub.topics.hub('batch'),
      maxRecords: c.batch.maxRecords,
      maxBytes: c.batch.maxBytes,
      inflight: c.batch.inflight,
      compression: c.batch.compression,
      // Long enough for a slow broker under a backlog; short enough that a lost PUBACK cannot stall delivery.
      stuckAfterMs: Math.max(60_000, 4 * c.mqtt.publishTimeout),
      // The packet limit comes from the hub client (mqtt.maxPacketSize, or the broker's smaller one).
      logger: this.child('forwarder'),
      corrector: clock,
      hubAck: c.batch.hubAck.enabled ? { timeoutMs: c.batch.hubAck.timeout, window: c.batch.hubAck.window } : undefined,
    });
    this.built.forwarder = forwarder;
    // The hub's word on its batches (batch.hubAck): only then are records deleted.
    if (c.batch.hubAck.enabled) hub.subscribe(hub.topics.hub('ack'), (_topic, payload) => void forwarder.handleHubAck(payload));
    await this.add(new parts.ForwarderPart(forwarder, outbox, hub));
  }

  private async startDevicesAndDownlinks(): Promise<void> {
    const c = this.config;
    const hub = this.built.hub!;
    if (!this.opts.devices) {
      const devices = await DeviceDirectory.open({
        registryPath: c.devices.registry,
        profilesDir: c.devices.profilesDir,
        stateDir: deviceStateDir(c.storage.dir),
        recoveries: this.recoveries,
        codecTimeLimitMs: c.devices.codecTimeLimit,
        logger: this.child('devices'),
      });
      this.built.devices = devices;
      await this.add(parts.devicesPart(devices));
      if (c.fleet.enabled) {
        const fleet = new FleetSync({
          gatewayId: c.gateway.id,
          topicPrefix: c.mqtt.topicPrefix,
          hub,
          directory: devices,
          dir: fleetDir(c.storage.dir),
          trustedKeys: c.fleet.trustedKeys,
          privateKeyFile: c.fleet.privateKeyFile,
          maxBundleBytes: c.fleet.maxBundleSize,
          maxExpandedBytes: c.fleet.maxExpandedSize,
          codecTimeLimitMs: c.devices.codecTimeLimit,
          logger: this.child('fleet'),
        });
        await this.add(parts.fleetPart(fleet));
      }
    }

    // Downlinks go through one scheduler (duty cycle, power limits) to the source that can send them.
    const scheduler = new TransmitGate({
      sources: this.radioSources,
      dutyCycle: c.downlink.dutyCycle,
      maxTxPower: c.downlink.maxTxPower,
      logger: this.child('downlink'),
      statePath: dutyCycleStatePath(c.storage.dir),
    });
    this.built.scheduler = scheduler;
    await this.add(parts.downlinkSchedulerPart(scheduler));
    // What network-server downlinks and edge mode send through: the scheduler, every outcome counted for the stats.
    const transmit = countingTransmissions(scheduler, this.radioTally);
    if (c.downlink.enabled) {
      const ns = new NetworkServerDownlinks({
        gatewayId: c.gateway.id,
        marshaler: c.mqtt.marshaler,
        scheduler: transmit,
        publishAck: (payload) => void hub.publish(hub.topics.event('ack'), payload, 1).catch(() => undefined),
        logger: this.child('downlink'),
      });
      this.built.nsDownlinks = ns;
      await this.add(parts.networkServerDownlinksPart(ns));
    }

    // Edge mode answers joins and carries hub commands for the devices the gateway knows; it is
    // built even when disabled globally, as single devices may opt in (`edge: true`).
    if (this.built.devices) {
      const acks = new DeviceAckQueue(hub, hub.topics.hub('device-ack'), this.child('edge'));
      hub.onOnline(() => acks.flush());
      await this.add(parts.deviceAcksPart(acks));
      const edge = await EdgeMode.open({
        config: edgeSettings(c),
        directory: this.built.devices,
        scheduler: transmit,
        sources: this.radioSources,
        stateDir: edgeStateDir(c.storage.dir),
        recoveries: this.recoveries,
        logger: this.child('edge'),
        publishDeviceAck: (event) => acks.publish(event),
      });
      this.built.edge = edge;
      await this.add(parts.edgePart(edge));
    }
  }

  private async startUplinkPath(): Promise<void> {
    const c = this.config;
    const outbox = this.built.outbox!;
    // Source id -> its index in the configuration, the first byte of the context sent to ChirpStack.
    const sourceIndex = new Map(c.sources.map((sc, index) => [sourceId(sc, c.sources), index] as const));
    const traffic = new RecentTraffic();
    const exits: UplinkExit[] = [...(this.built.edge ? [new EdgeUplinkExit(this.built.edge)] : []), traffic];
    const pipeline = new UplinkPipeline({
      forwardCrcBad: c.radio.forwardCrcBad,
      forwardCrcNone: c.radio.forwardCrcNone,
      dedupWindowMs: c.radio.dedupWindow,
      logger: this.child('uplink'),
      store: outbox,
      live: new ChirpStackLiveUplinks({ gatewayId: c.gateway.id, marshaler: c.mqtt.marshaler, hub: this.built.hub!, sourceIndex }),
      liveMaxAgeMs: c.mqtt.liveMaxAge,
      devices: this.opts.devices ?? this.built.devices,
      exits,
      filters: {
        live: compileCheckedFilter(c.filters.live),
        batch: compileCheckedFilter(c.filters.batch),
        onlyRegistered: c.batch.onlyRegistered,
      },
      captureClock: this.built.clock,
      uplinkLinesPerSecond: c.log.uplinkLinesPerSecond,
    });
    this.built.pipeline = pipeline;
    await this.add(parts.pipelinePart(pipeline, outbox));
    await this.add(parts.trafficPart(traffic));
    const stats = new ChirpStackGatewayStats({
      gatewayId: c.gateway.id,
      marshaler: c.mqtt.marshaler,
      hub: this.built.hub!,
      tally: this.radioTally,
      configuredLocation: c.gateway.location,
    });
    this.built.stats = stats;

    // Back-pressure: the sources refuse frames before parsing them while the outbox falls behind.
    const door = new OverloadDoor({ waiting: () => outbox.waiting(), logger: this.child('intake') });
    await this.add(parts.overloadDoorPart(door));
    // Every frame heard is counted for the stats (as Concentratord does), then goes down the pipeline.
    const onFrame = (frame: RadioFrame): void => {
      this.radioTally.rx(frame);
      pipeline.handle(frame);
    };
    for (const sc of c.sources) {
      const id = sourceId(sc, c.sources);
      const logger = this.child('source');
      const source: RadioSource =
        sc.type === 'udp'
          ? new UdpSource({ id, bind: sc.bind, logger, onFrame, door, onStat: (report) => stats.noteForwarderStat(report.stat) })
          : // path, driver, baudRate and the driver's own keys pass through as configured.
            new (await import('../radio/serial/serial-source.js')).SerialSource({ ...sc, id, logger, onFrame, door });
      await this.add(parts.sourcePart(source, pipeline));
      this.radioSources.push(source);
      this.log.info({ source: id, state: source.state() }, 'radio source started');
    }
  }

  private async startOps(): Promise<void> {
    const c = this.config;
    const { outbox, hub, pipeline, stats } = this.built as Required<Built>;
    const logger = this.child('ops');
    const summaryBase = { received: 0 };
    const jobs = new CronJobs(
      [
        { name: 'stats', schedule: c.ops.statsSchedule, run: () => void stats.publish(this.snapshot()) },
        { name: 'retention', schedule: c.ops.retentionSchedule, run: async () => void (await outbox.sweep()) },
        { name: 'summary', schedule: c.ops.summarySchedule, run: () => logDailySummary({ logger, outbox, hub, pipeline }, summaryBase) },
      ],
      { logger, timezone: c.ops.timezone },
    );
    await this.add(parts.jobsPart(jobs));
    await this.add(new parts.HistoryPart(pipeline, outbox));
    await this.add(parts.problemsPart(logTailOf(this.log), this.opts.configCheck));
    if (c.ops.http.enabled) {
      const ops = new OpsServer({
        bind: c.ops.http.bind,
        tokenFile: c.ops.http.tokenFile,
        allowedHosts: c.ops.http.allowedHosts,
        snapshot: () => this.snapshot(),
        gatewayId: c.gateway.id,
        registry: () => (this.metricsRegistry ??= import('../ops/metrics.js').then((m) => m.createMetricsRegistry(() => this.snapshot()))),
        logger,
      });
      this.built.ops = ops;
      await this.add(parts.opsServerPart(ops));
    }
  }

  /** Commands from the hub, by the last topic level, to the part that handles them. */
  private routeCommand(name: string, payload: Buffer): void {
    if (name === 'down' && this.built.nsDownlinks) void this.built.nsDownlinks.handle(payload);
    else if (name === 'device' && this.built.edge) void this.built.edge.handleDeviceCommand(payload);
    else this.log.debug({ command: name }, 'command ignored (not enabled or unknown)');
  }

  /** For the systemd watchdog: the event loop runs and the outbox is not stuck. */
  isPipelineAlive(now = Date.now()): boolean {
    return this.built.liveness?.isAlive(now) ?? false;
  }

  /** Re-reads the device registry (SIGHUP); frames keep flowing meanwhile. */
  async reloadDevices(): Promise<void> {
    if (!this.built.devices) return;
    const r = await this.built.devices.reload();
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

  /** A read-only view of every part (its reports merged), for metrics, health and `lora-edge status`. */
  snapshot(): DaemonSnapshot {
    const now = Date.now();
    // Every key in its place, so the view reads the same whatever order the parts report in.
    const base = {
      gatewayId: this.config.gateway.id,
      version: loraEdgeVersion(),
      now,
      uptimeMs: now - this.startedAt,
      process: processMemory(this.built.outbox?.leveldbMemoryBytes() ?? null),
      sources: [],
      mqtt: undefined,
      outbox: undefined,
      forwarder: undefined,
      pipeline: undefined,
      drops: {},
      devices: null,
      fleet: null,
      unstoredDropped: 0,
      storeRecoveries: [...this.recoveries],
      downlinks: { byStatus: {}, dutyCycle: [], edge: null, networkServer: null, deviceAcks: null },
    };
    return mergeReports(base, this.parts.map((p) => p.report?.(now) ?? {})) as unknown as DaemonSnapshot;
  }
}
