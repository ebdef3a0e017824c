// The uplink path, one direction: RadioFrame -> CRC filter -> de-duplication -> LoRaWAN parse ->
// device attribution and decoding -> Record -> outbox, plus the live ChirpStack event/up stream.
import type { Logger } from '../log.js';
import type { RadioFrame } from '../radio/radio-frame.js';
import type { OutboxRecord, RecordLorawan, RecordRadio, RecordDevice, RecordDecoded } from '../outbox/record.js';
import { parsePhyPayload, type PhyPayload } from '../lorawan/phy-payload.js';
import { DedupCache } from '../lorawan/dedup.js';
import { LoRaWANError } from '../lorawan/errors.js';
import { checkRadioFrame } from '../radio/plausibility.js';

/** What the device layer adds to a frame it can attribute. */
export interface DeviceOutcome {
  /** null when the frame failed its MIC check: it is neither attributed nor decoded. */
  device: RecordDevice | null;
  micValid: boolean | null;
  fCnt: number | null;
  fCntReplay: boolean | null;
  decoded: RecordDecoded | null;
}

export interface DeviceResolver {
  /** null when the frame belongs to no registered device. */
  resolve(phy: PhyPayload, frame: RadioFrame): DeviceOutcome | null;
}

export interface PipelineOptions {
  forwardCrcBad: boolean;
  forwardCrcNone: boolean;
  dedupWindowMs: number;
  logger: Logger;
  /** Appends to the outbox (synchronous, assigns seq). */
  store: (record: Omit<OutboxRecord, 'seq'>) => number;
  /** Publishes on the live ChirpStack stream; returns false when skipped (offline). */
  publishLive?: (frame: RadioFrame) => boolean;
  liveMaxAgeMs: number;
  devices?: DeviceResolver;
  /** Called after a frame was stored (edge mode answers joins and confirmed uplinks here). */
  afterUplink?: (phy: PhyPayload, frame: RadioFrame, outcome: DeviceOutcome | null) => void;
  now?: () => number;
}

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
  /** Frames per source id and CRC status. */
  perSource: Record<string, { ok: number; bad: number; none: number }>;
  mType: Record<string, number>;
  lastFrameAt: Record<string, number>;
}

const EMPTY_LORAWAN: RecordLorawan = {
  mType: 'Invalid', devAddr: null, fCnt: null, fPort: null, adr: null, ack: null, micValid: null, fCntReplay: null,
  joinEui: null, devEui: null, devNonce: null, parseError: null,
};

export class UplinkPipeline {
  private readonly dedup: DedupCache;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly reasonLogged = new Set<string>();
  /** Distinct devices (DevEUI when known, else DevAddr) since the last summary; bounded. */
  private devicesSeen = new Set<string>();
  readonly stats: PipelineCounters = {
    received: 0, crcOk: 0, crcBad: 0, crcNone: 0, forwarded: 0, duplicates: 0, invalidLorawan: 0,
    liveSent: 0, liveSkipped: 0, dropped: {}, perSource: {}, mType: {}, lastFrameAt: {},
  };

  constructor(private readonly opts: PipelineOptions) {
    this.dedup = new DedupCache({ windowMs: opts.dedupWindowMs });
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
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
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    // Once per reason at warn, then debug: a noisy radio must not flood the journal.
    if (!this.reasonLogged.has(reason)) {
      this.reasonLogged.add(reason);
      this.log.warn({ reason }, `${message} (further drops of this kind are logged at debug level)`);
    } else {
      this.log.debug({ reason }, message);
    }
  }

  private process(frame: RadioFrame): void {
    const s = this.stats;
    s.received += 1;
    // Sources refuse these already (each knows its band); this guard keeps any source honest.
    const implausible = checkRadioFrame(frame, ['eu868', 'ism2400']);
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

    let lorawan: RecordLorawan;
    let phy: PhyPayload | undefined;
    let outcome: DeviceOutcome | null = null;
    let device: RecordDevice | null = null;
    let decoded: RecordDecoded | null = null;
    try {
      phy = parsePhyPayload(frame.payload);
      lorawan = lorawanFields(phy);
      outcome = this.opts.devices?.resolve(phy, frame) ?? null;
      if (outcome) {
        device = outcome.device;
        decoded = outcome.decoded;
        lorawan.micValid = outcome.micValid;
        lorawan.fCntReplay = outcome.fCntReplay;
        if (outcome.fCnt !== null) lorawan.fCnt = outcome.fCnt;
      }
    } catch (err) {
      if (!(err instanceof LoRaWANError)) throw err;
      s.invalidLorawan += 1;
      lorawan = { ...EMPTY_LORAWAN, parseError: err.message };
      this.log.debug({ source: frame.source, reason: err.code }, 'payload is not a valid LoRaWAN frame; forwarding it raw');
    }
    s.mType[lorawan.mType] = (s.mType[lorawan.mType] ?? 0) + 1;
    const deviceKey = device?.devEui ?? lorawan.devEui ?? lorawan.devAddr;
    if (deviceKey && this.devicesSeen.size < 100_000) this.devicesSeen.add(deviceKey);

    const record: Omit<OutboxRecord, 'seq'> = {
      capturedAt: new Date(frame.receivedAt).toISOString(),
      radio: radioFields(frame),
      phyPayload: frame.payload.toString('base64'),
      lorawan,
      device,
      decoded,
    };
    const seq = this.opts.store(record);
    s.forwarded += 1;
    if (phy && this.opts.afterUplink) {
      try {
        this.opts.afterUplink(phy, frame, outcome);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'after-uplink handler failed');
      }
    }

    if (this.opts.publishLive) {
      if (this.now() - frame.receivedAt <= this.opts.liveMaxAgeMs && this.opts.publishLive(frame)) s.liveSent += 1;
      else s.liveSkipped += 1;
    }
    if (this.log.isLevelEnabled('info')) {
      this.log.info(
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
        },
        'uplink',
      );
    }
  }
}

export function radioFields(f: RadioFrame): RecordRadio {
  return {
    source: f.source,
    frequency: f.frequency,
    modulation: f.modulation,
    spreadingFactor: f.spreadingFactor ?? null,
    bandwidth: f.bandwidth ?? null,
    codeRate: f.codeRate ?? null,
    fskDatarate: f.fskDatarate ?? null,
    rssi: f.rssi,
    snr: f.snr ?? null,
    channel: f.channel ?? null,
    rfChain: f.rfChain ?? null,
    crc: f.crc,
    counterUs: f.counterUs ?? null,
    gwTime: f.gwTime ?? null,
  };
}

export function lorawanFields(phy: PhyPayload): RecordLorawan {
  const out: RecordLorawan = { ...EMPTY_LORAWAN, mType: phy.mType };
  if (phy.kind === 'data') {
    out.devAddr = phy.devAddrHex;
    out.fCnt = phy.fCnt;
    out.fPort = phy.fPort;
    out.adr = phy.adr;
    out.ack = phy.ack;
  } else if (phy.kind === 'joinRequest') {
    out.joinEui = phy.joinEui;
    out.devEui = phy.devEui;
    out.devNonce = phy.devNonce;
  }
  return out;
}
