// The uplink path, one direction: RadioFrame -> CRC filter -> de-duplication -> LoRaWAN parse ->
// device attribution and decoding -> Uplink -> batch filters -> Record -> outbox, then the exits: the
// live ChirpStack event/up stream (behind its own filters) and the parts acting on uplinks (edge mode).
import type { Logger } from '../log.js';
import type { RadioFrame } from '../radio/radio-frame.js';
import type { OutboxRecord } from '../outbox/record.js';
import { parsePhyPayload, type PhyPayload } from '../lorawan/phy-payload.js';
import { DedupCache } from '../lorawan/dedup.js';
import { LoRaWANError } from '../lorawan/errors.js';
import { checkRadioFrame, type RadioBand } from '../radio/plausibility.js';
import type { DeviceOutcome, DeviceResolver } from '../devices/outcome.js';
import type { LiveUplinkStream, RecordStore, Uplink, UplinkExit } from './uplink.js';
import { EMPTY_LORAWAN, lorawanFields, toRecord } from './to-record.js';
import { checkUplink, PASS_ALL, type FilterReason, type UplinkFilter } from './uplink-filter.js';
import type { CaptureStamp } from '../clock/capture-stamp.js';
import { UplinkLogBudget } from './uplink-log-budget.js';

export type { DeviceOutcome, DeviceResolver };

/** Every band a source may hear: the pipeline's guard checks only that a frame is in one of them. */
const PIPELINE_BANDS: readonly RadioBand[] = ['eu868', 'ism2400'];

export interface PipelineOptions {
  forwardCrcBad: boolean;
  forwardCrcNone: boolean;
  dedupWindowMs: number;
  logger: Logger;
  /** The outbox: synchronous, assigns the seq. */
  store: RecordStore;
  /** The live ChirpStack stream. */
  live?: LiveUplinkStream;
  liveMaxAgeMs: number;
  devices?: DeviceResolver;
  /** Parts acting on stored LoRaWAN uplinks, in order (edge mode answers joins and confirmed uplinks). */
  exits?: UplinkExit[];
  /** Which frames go into the outbox and on the live stream; absent: every frame. */
  filters?: UplinkFilters;
  /** Stamps each stored record with the clock's state (clock/capture-clock.ts); absent: status unknown. */
  captureClock?: { stamp(receivedAtMs: number): CaptureStamp };
  /** Per-uplink info lines per second (log.uplinkLinesPerSecond); the rest are counted. Default: all. */
  uplinkLinesPerSecond?: number;
  now?: () => number;
}

export interface UplinkFilters {
  live?: UplinkFilter;
  batch?: UplinkFilter;
  /** Only frames attributed to a registered device go into the outbox. */
  onlyRegistered?: boolean;
}

/** Why a frame was kept out of a stream: a filter key, or (batches) an unregistered device. */
export type FilteredReason = FilterReason | 'unregistered';

export interface PipelineCounters {
  received: number;
  /** Frames per CRC status, as received. */
  crcOk: number;
  crcBad: number;
  crcNone: number;
  forwarded: number;
  duplicates: number;
  invalidLorawan: number;
  liveSent: number;
  liveSkipped: number;
  dropped: Record<string, number>;
  /** Frames kept out of each stream by the filters, by reason (they were heard, not lost). */
  filtered: { live: Partial<Record<FilteredReason, number>>; batch: Partial<Record<FilteredReason, number>> };
  /** Frames per source id and CRC status. */
  perSource: Record<string, { ok: number; bad: number; none: number }>;
  mType: Record<string, number>;
  lastFrameAt: Record<string, number>;
}

export class UplinkPipeline {
  private readonly dedup: DedupCache;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly reasonLogged = new Set<string>();
  /** Distinct devices (DevEUI when known, else DevAddr) since the last summary; bounded. */
  private devicesSeen = new Set<string>();
  readonly counters: PipelineCounters = {
    received: 0, crcOk: 0, crcBad: 0, crcNone: 0, forwarded: 0, duplicates: 0, invalidLorawan: 0,
    liveSent: 0, liveSkipped: 0, dropped: {}, filtered: { live: {}, batch: {} }, perSource: {}, mType: {}, lastFrameAt: {},
  };

  private readonly store: (record: Omit<OutboxRecord, 'seq'>) => number;
  private readonly publishLive: ((frame: RadioFrame) => boolean) | undefined;
  private readonly exits: UplinkExit[];
  private readonly logBudget: UplinkLogBudget | null;

  constructor(private readonly opts: PipelineOptions) {
    this.dedup = new DedupCache({ windowMs: opts.dedupWindowMs });
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
    const store = opts.store;
    this.store = (record) => store.append(record);
    const live = opts.live;
    this.publishLive = live ? (frame) => live.publish(frame) : undefined;
    this.exits = [...(opts.exits ?? [])];
    this.logBudget = opts.uplinkLinesPerSecond === undefined ? null : new UplinkLogBudget(opts.uplinkLinesPerSecond);
  }

  /** Number of distinct devices heard since the previous call. */
  takeDevicesSeen(): number {
    const n = this.devicesSeen.size;
    this.devicesSeen = new Set();
    return n;
  }

  /** Handles one frame; never throws (a bad frame is counted and logged, the daemon goes on). */
  handle = (frame: RadioFrame): void => {
    try {
      this.process(frame);
    } catch (err) {
      this.drop('internal_error', `frame handling failed: ${(err as Error).message}`);
    }
  };

  private drop(reason: string, message: string): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
    // Once per reason at warn, then debug: a noisy radio must not flood the journal.
    if (!this.reasonLogged.has(reason)) {
      this.reasonLogged.add(reason);
      this.log.warn({ reason }, `${message} (further drops of this kind are logged at debug level)`);
    } else {
      this.log.debug({ reason }, message);
    }
  }

  private process(frame: RadioFrame): void {
    const s = this.counters;
    s.received += 1;
    // Sources refuse these already (each knows its band); this guard keeps any source honest.
    const implausible = checkRadioFrame(frame, PIPELINE_BANDS);
    if (implausible) return this.drop(`implausible_${implausible.reason}`, `frame refused: ${implausible.detail}`);
    (s.perSource[frame.source] ??= { ok: 0, bad: 0, none: 0 })[frame.crc] += 1;
    s.lastFrameAt[frame.source] = frame.receivedAt;
    if (frame.crc === 'ok') s.crcOk += 1;
    else if (frame.crc === 'bad') {
      s.crcBad += 1;
      if (!this.opts.forwardCrcBad) return this.drop('crc_bad', 'frame with bad CRC not forwarded');
    } else {
      s.crcNone += 1;
      if (!this.opts.forwardCrcNone) return this.drop('crc_none', 'frame without CRC not forwarded');
    }
    if (this.dedup.seen(frame.payload, frame.receivedAt)) {
      s.duplicates += 1;
      this.log.debug({ source: frame.source }, 'duplicate frame ignored');
      return;
    }

    const uplink = this.attribute(frame);
    const { lorawan } = uplink;
    const device = uplink.outcome?.device ?? null;
    const decoded = uplink.outcome?.decoded ?? null;
    s.mType[lorawan.mType] = (s.mType[lorawan.mType] ?? 0) + 1;
    const deviceKey = device?.devEui ?? lorawan.devEui ?? lorawan.devAddr;
    if (deviceKey && this.devicesSeen.size < 100_000) this.devicesSeen.add(deviceKey);

    const batchReason = this.batchFilterReason(uplink);
    let seq: number | undefined;
    if (batchReason) s.filtered.batch[batchReason] = (s.filtered.batch[batchReason] ?? 0) + 1;
    else {
      seq = this.store(toRecord(uplink, this.opts.captureClock?.stamp(frame.receivedAt)));
      s.forwarded += 1;
    }
    // Only LoRaWAN frames go on to the exits; each exit's failure is its own. The filters concern
    // what is sent: edge mode still answers its own (registered) devices.
    if (uplink.phy) {
      for (const exit of this.exits) {
        try {
          exit.take(uplink);
        } catch (err) {
          this.log.error({ exit: exit.name, err: (err as Error).message }, 'after-uplink handler failed');
        }
      }
    }

    if (this.publishLive) {
      const liveReason = checkUplink(this.opts.filters?.live ?? PASS_ALL, lorawan);
      if (liveReason) s.filtered.live[liveReason] = (s.filtered.live[liveReason] ?? 0) + 1;
      else if (this.now() - frame.receivedAt <= this.opts.liveMaxAgeMs && this.publishLive(frame)) s.liveSent += 1;
      else s.liveSkipped += 1;
    }
    // Frames kept out of the batches (other operators' devices) would flood the journal at info.
    const level = batchReason ? 'debug' : 'info';
    if (!this.log.isLevelEnabled(level)) return;
    if (level === 'info' && this.logBudget && !this.log.isLevelEnabled('debug')) {
      const turn = this.logBudget.take(this.now());
      if (turn.unloggedBefore > 0) {
        this.log.info(
          { unlogged: turn.unloggedBefore, uplinkLinesPerSecond: this.opts.uplinkLinesPerSecond },
          `${turn.unloggedBefore} uplinks in the last second were not logged one by one (log.uplinkLinesPerSecond); they were handled as usual`,
        );
      }
      if (!turn.log) return;
    }
    this.log[level](
      {
        seq,
        source: frame.source,
        mType: lorawan.mType,
        devAddr: lorawan.devAddr ?? undefined,
        devEui: device?.devEui ?? lorawan.devEui ?? undefined,
        fCnt: lorawan.fCnt ?? undefined,
        fPort: lorawan.fPort ?? undefined,
        freq: frame.frequency,
        sf: frame.spreadingFactor,
        rssi: frame.rssi,
        snr: frame.snr,
        device: device?.name,
        data: decoded?.data ?? undefined,
        filtered: batchReason ?? undefined,
      },
      'uplink',
    );
  }

  private batchFilterReason(uplink: Uplink): FilteredReason | null {
    const f = this.opts.filters;
    if (!f) return null;
    if (f.onlyRegistered && !uplink.outcome?.device) return 'unregistered';
    return f.batch ? checkUplink(f.batch, uplink.lorawan) : null;
  }

  /** Parses the frame and lets the device layer attribute and decode it; a non-LoRaWAN payload goes on raw. */
  private attribute(frame: RadioFrame): Uplink {
    let phy: PhyPayload | null = null;
    try {
      phy = parsePhyPayload(frame.payload);
      const lorawan = lorawanFields(phy);
      const outcome = this.opts.devices?.resolve(phy, frame) ?? null;
      if (outcome) {
        lorawan.micValid = outcome.micValid;
        lorawan.fCntReplay = outcome.fCntReplay;
        if (outcome.fCnt !== null) lorawan.fCnt = outcome.fCnt;
      }
      return { frame, phy, lorawan, outcome };
    } catch (err) {
      if (!(err instanceof LoRaWANError)) throw err;
      this.counters.invalidLorawan += 1;
      this.log.debug({ source: frame.source, reason: err.code }, 'payload is not a valid LoRaWAN frame; forwarding it raw');
      return { frame, phy, lorawan: { ...EMPTY_LORAWAN, parseError: err.message }, outcome: null };
    }
  }
}
