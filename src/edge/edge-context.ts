// What the jobs of edge mode (joins, class A replies, device commands) share: the options, the
// edge state and its store, the counters, per-device ordering of work, sending in receive windows,
// and device-ack events.
import type { Logger } from '../log.js';
import type { RadioFrame, RadioSource } from '../radio/radio-frame.js';
import type { TxStatus } from '../radio/downlink.js';
import type { DeviceDirectory } from '../devices/device-directory.js';
import type { TransmitPath } from '../downlink/transmit-gate.js';
import type { StoreRecovery } from '../store-recovery.js';
import { parseDevAddrRange, type DevAddrRange } from './devaddr-pool.js';
import { deviceAckEvent, type DeviceAckEvent } from './device-ack.js';
import type { EdgeStore } from './edge-store.js';
import type { EdgeSession } from './edge-state.js';
import { dataWindowSettings, downlinkRequest, type Window, type WindowSettings } from './rx-windows.js';
import type { EdgeSettings } from './settings.js';

/** What edge mode needs of the device directory. */
export type EdgeDirectory = Pick<DeviceDirectory, 'device' | 'hasAbpDevAddr' | 'attachSessions' | 'deviceCount'>;
/** What edge mode needs of the downlink transmit gate. */
export type EdgeTransmitGate = TransmitPath;

export interface EdgeModeOptions {
  /** Damaged-store recoveries done at open are added here. */
  recoveries?: StoreRecovery[];
  /** The `edge` config section plus RX2 and power from `downlink` (see edgeSettings()). */
  config: EdgeSettings;
  directory: EdgeDirectory;
  scheduler: EdgeTransmitGate;
  /** The radio sources in configuration order: the transmit gate's source indexes. */
  sources: readonly RadioSource[];
  /** Edge state directory, e.g. `<storage.dir>/edge`. */
  stateDir: string;
  logger: Logger;
  /** Publishes one JSON event on `<prefix>/gateway/<id>/hub/device-ack` (`event/device-ack` with mqtt.legacyHubTopics). */
  publishDeviceAck: (event: DeviceAckEvent) => void;
  now?: () => number;
  /** How often uplink counters are written (default 1000 ms). */
  stateFlushIntervalMs?: number;
}

export interface EdgeCounters {
  joinsAccepted: number;
  joinAcceptsSent: number;
  joinAcceptsNotSent: number;
  devNonceReused: number;
  noFreeDevAddr: number;
  /** Join requests of registered OTAA devices whose edge mode is off. */
  joinsNotForEdge: number;
  acksSent: number;
  linkChecksAnswered: number;
  devStatusRecorded: number;
  downlinksNotSent: number;
  commands: { queued: number; sent: number; acked: number; failed: number };
}

export class EdgeContext {
  readonly log: Logger;
  readonly now: () => number;
  readonly range: DevAddrRange;
  readonly dataWindows: WindowSettings;
  private readonly chains = new Map<string, Promise<void>>();
  closed = false;
  readonly counters: EdgeCounters = {
    joinsAccepted: 0, joinAcceptsSent: 0, joinAcceptsNotSent: 0, devNonceReused: 0, noFreeDevAddr: 0, joinsNotForEdge: 0,
    acksSent: 0, linkChecksAnswered: 0, devStatusRecorded: 0, downlinksNotSent: 0,
    commands: { queued: 0, sent: 0, acked: 0, failed: 0 },
  };

  constructor(
    readonly opts: EdgeModeOptions,
    readonly store: EdgeStore,
  ) {
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.range = parseDevAddrRange(opts.config.devAddrFrom, opts.config.devAddrTo);
    this.dataWindows = dataWindowSettings(opts.config);
  }

  get state() {
    return this.store.state;
  }

  edgeEnabled(device: { edge: boolean | undefined }): boolean {
    return device.edge ?? this.opts.config.enabled;
  }

  /** Resolves once every device's queued work has run. */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  takeFCntDown(devEui: string, session: EdgeSession): number {
    const fCntDown = session.fCntDown;
    session.fCntDown = (fCntDown + 1) >>> 0;
    this.state.changed(devEui);
    return fCntDown;
  }

  /** Tries the windows in order on the source that heard the uplink; the first OK wins. */
  async sendAfterUplink(payload: Buffer, frame: RadioFrame, windows: readonly Window[]): Promise<{ window?: 'RX1' | 'RX2'; statuses: TxStatus[] }> {
    const statuses: TxStatus[] = [];
    const sourceIndex = this.sourceIndexOf(frame.source);
    if (sourceIndex === undefined) {
      this.log.warn({ source: frame.source }, 'uplink came from a source the downlink path does not know');
      return { statuses: ['INTERNAL_ERROR'] };
    }
    const context = frame.context ?? Buffer.alloc(0);
    for (const w of windows) {
      const request = downlinkRequest(payload, w.frequency, w.dataRate, { kind: 'delay', context, delayMs: w.delayMs }, this.opts.config.maxTxPower);
      if (request === undefined) continue;
      const status = await this.opts.scheduler.send(sourceIndex, request);
      if (status === 'OK') return { window: w.name, statuses };
      statuses.push(status);
    }
    return { statuses };
  }

  sourceIndexOf(sourceId: string | undefined): number | undefined {
    if (sourceId === undefined) return undefined;
    const i = this.opts.sources.findIndex((s) => s.id === sourceId);
    return i >= 0 ? i : undefined;
  }

  run(devEui: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(devEui) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => {
      this.log.error({ devEui, err: err instanceof Error ? err.message : String(err) }, 'edge mode work for a device failed');
    });
    this.chains.set(devEui, next);
    void next.then(() => {
      if (this.chains.get(devEui) === next) this.chains.delete(devEui);
    });
    return next;
  }

  async saveQuietly(): Promise<void> {
    try {
      await this.store.flush();
    } catch {
      // Logged by the store; the changes stay pending and are retried at the next flush.
    }
  }

  fail(id: string | null, devEui: string | null, reason: string): void {
    this.counters.commands.failed += 1;
    this.emit({ id, devEui, status: 'failed', reason });
  }

  emit(fields: Omit<DeviceAckEvent, 'at'>): void {
    const event = deviceAckEvent(fields, this.now());
    if (event.status === 'failed') this.log.info({ id: event.id, devEui: event.devEui, reason: event.reason }, 'device command failed');
    else this.log.debug({ id: event.id, devEui: event.devEui, status: event.status }, 'device command');
    try {
      this.opts.publishDeviceAck(event);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'publishing a device-ack event failed');
    }
  }
}
