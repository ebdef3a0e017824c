// Reads the outbox in seq order and publishes batches with QoS 1, keeping at most `inflight` batches
// unacknowledged; records are deleted only after the PUBACK of the batch that carried them.
//
// Four guards keep the promise "no record skipped silently":
// - batches are handed to the MQTT client in the order they were read (gzip runs in parallel and
//   finishes out of order; the hand-off waits for the batch before it);
// - every hole between what was read and the cursor must have been removed on purpose (acked, or a
//   counted drop); any other hole is logged as an error and counted (`gapsDetected`);
// - when nothing is in flight and nothing new is read, the oldest stored record must lie beyond the
//   cursor; otherwise records were passed over, which is logged, counted and repaired by rewinding;
// - a batch that stays unacknowledged for `stuckAfterMs` of connected time is given up and read
//   again (a duplicate at worst), so a lost acknowledgement can never stall delivery for good.
//
// With hub acknowledgements on (`hubAck`), a broker's PUBACK is not enough: a broker may accept a
// batch and drop it later (mosquitto drops what does not fit a subscriber's queue, and still says
// success). The records are then deleted only when the hub says it committed the batch
// (`hubAcked`); at most `window` batches wait for the hub (flow control: a slow hub slows the
// drain instead of overflowing the broker's queue), and a batch the hub has not confirmed within
// `timeoutMs` of connected time is sent again, with every batch after it.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Logger } from '../log.js';
import type { OutboxRecord } from '../outbox/record.js';
import type { StoredRecord } from '../outbox/stored-record.js';
import { emptyCaptureTimeTally, fitHubBatch, type CaptureTimeTally, rawBudget, type BatchInput, type FittedBatch } from './batch-fit.js';
import type { CaptureCorrector, UncorrectedReason } from '../clock/capture-stamp.js';
import { DEFAULT_MAX_PACKET_SIZE, maxPayloadBytes } from './packet-size.js';
import { NoSubscribersError } from './no-subscribers.js';
import { batchIdOf, parseHubAck } from './hub-batch.js';
import { BufferPool } from '../buffer-pool.js';

/** Back-off after batches fail while connected (broker refusing them, nobody subscribed): 0.5 s doubling to 30 s. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

const gzipAsync = promisify(gzip);

/** What the publisher needs from the outbox. */
export interface BatchSource {
  readBatch(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]>;
  /** The same records as their stored JSON bytes (the outbox): batches splice them instead of re-encoding. */
  readStored?(afterSeq: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]>;
  /** Deletes delivered records: the inclusive range, or exactly the seqs listed. */
  ack(delivered: { from: number; to: number } | number[]): Promise<void>;
  /** Seq of the oldest stored record, null when empty. */
  headSeq(): number | null;
  /** True when every seq in from..to left the store on purpose (acknowledged or a counted drop). */
  removedOnPurpose(from: number, to: number): boolean;
  /** True when the records after `afterSeq` are served from memory (live traffic), not read from disk. */
  inMemory?(afterSeq: number): boolean;
}

/** What the publisher needs from the MQTT connection. */
export interface BatchSink {
  readonly online: boolean;
  readonly onlineSince: number;
  /** The packet limit in force (HubClient: mqtt.maxPacketSize or the broker's smaller one). */
  readonly maxPacketSize?: number;
  /** Once the promise resolves, the sink is done with `payload`: the publisher reuses its bytes. */
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
}

export interface BatchPublisherOptions {
  gatewayId: string;
  topic: string;
  maxRecords: number;
  maxBytes: number;
  inflight: number;
  compression: 'none' | 'gzip';
  logger: Logger;
  now?: () => number;
  /** Connected time after which an unacknowledged batch is given up and read again. */
  stuckAfterMs?: number;
  /** How often connected waiting time is counted (tests shorten it). */
  stuckCheckMs?: number;
  /** Used when the sink does not say; default 128 KiB. */
  maxPacketSize?: number;
  /** Corrects capturedAt of records captured before the clock synchronised (clock/capture-clock.ts). */
  corrector?: CaptureCorrector;
  /** Called after each acknowledged batch (metrics, latency probes). */
  onAcked?: (records: number, firstSeq: number, lastSeq: number) => void;
  /** Delete records only on the hub's own acknowledgement (see the top of this file). */
  hubAck?: { timeoutMs: number; window: number };
}

export interface BatchPublisherCounters {
  batchesPublished: number;
  batchesAcked: number;
  recordsAcked: number;
  batchErrors: number;
  inflight: number;
  lastAckedSeq: number;
  /** Holes in the seqs read that no acknowledgement or counted drop explains. */
  gapsDetected: number;
  /** Stored records found behind the cursor with nothing in flight (then re-sent). */
  skippedRepaired: number;
  /** Batches given up after stuckAfterMs without an acknowledgement (then re-sent). */
  stuckBatches: number;
  /** Records sent without their decoded data because alone they exceeded the packet limit. */
  recordsShortened: number;
  /** Records given up (acknowledged unsent) because even shortened they exceed the packet limit. */
  recordsTooLarge: number;
  /** Batches the broker took with nobody subscribed (MQTT 5 reason 0x10): kept and sent again later. */
  heldNoSubscriber: number;
  /** Records delivered with a capturedAt corrected after the clock synchronised. */
  capturedAtCorrected: number;
  /** Records captured not synchronised and delivered with capturedAt as captured, per reason. */
  capturedAtUncorrected: Record<UncorrectedReason, number>;
  /** Hub acknowledgements: batches the broker took that wait for the hub's word. */
  awaitingHub: number;
  /** Batches the hub confirmed. */
  hubAcked: number;
  /** Times a batch went unconfirmed by the hub for hubAck.timeoutMs and it and later ones were sent again. */
  hubAckTimeouts: number;
  /** Messages on the hub acknowledgement topic that were not acknowledgements. */
  hubAcksRefused: number;
}

interface InFlight {
  /** The batchId the hub sees and acknowledges. */
  id: string;
  from: number;
  to: number;
  /** Every seq the batch carried (a range ack is only safe when the batch carried them all). */
  seqs: number[];
  /** Records the batch carried as a batch (0 for a record given up as too large). */
  records: number;
  /** How the batch's capture times were sent (counted when it is delivered). */
  captureTimes?: CaptureTimeTally;
  /** Connected milliseconds spent waiting for the acknowledgement. */
  waitedMs: number;
  abandoned: boolean;
  /** The hub confirmed it before the broker's PUBACK reached us (the hub can be that quick). */
  hubConfirmed?: boolean;
  /** Connected milliseconds spent waiting for the hub after the PUBACK (hubAck). */
  hubWaitedMs?: number;
}

export class BatchPublisher {
  /** Highest seq handed to a publish so far. */
  private cursor = 0;
  private readonly inflight = new Set<InFlight>();
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly stuckTimer: NodeJS.Timeout;
  /** Resolves once the previous batch was handed to the MQTT client (keeps publish order). */
  private lastHandOff: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly stuckAfterMs: number;
  private readonly stuckCheckMs: number;
  readonly counters: BatchPublisherCounters = {
    batchesPublished: 0, batchesAcked: 0, recordsAcked: 0, batchErrors: 0, inflight: 0, lastAckedSeq: 0,
    gapsDetected: 0, skippedRepaired: 0, stuckBatches: 0, recordsShortened: 0, recordsTooLarge: 0, heldNoSubscriber: 0,
    capturedAtCorrected: 0, capturedAtUncorrected: emptyCaptureTimeTally().uncorrected,
    awaitingHub: 0, hubAcked: 0, hubAckTimeouts: 0, hubAcksRefused: 0,
  };
  /** Failures while connected since the last success: they set the back-off. */
  private failuresWhileOnline = 0;
  /** No new batch before this wall-clock time (back-off after failures while connected; real time,
   * not opts.now, which only stamps the batches). */
  private holdUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private noSubscriberEpisode = false;
  /** Batches the broker took, by batchId, waiting for the hub's acknowledgement (hubAck only). */
  private readonly awaitingHub = new Map<string, InFlight>();
  /**
   * Highest seq handed out before a rewind. Records up to it may travel in two batches (the one that
   * failed or was given up, and its re-send), so their acknowledgements delete by exact seqs, which the
   * outbox checks against the store: a record deleted twice must not be counted twice.
   */
  private verifyAcksUpTo = 0;
  private badHubAckLogged = false;
  /** Deletions under way: their records are still stored, behind the cursor, on purpose. */
  private delivering = 0;
  /**
   * The bytes of batches, reused once the broker acknowledged them (or gzip read them): a batch
   * lives until its PUBACK, long enough to be promoted, and V8 frees such buffers only in full
   * collections, counting them towards starting one (buffer-pool.ts).
   */
  private readonly batchBuffers = new BufferPool(64 * 1024, 4);
  private readonly takeBatchBuffer = (bytes: number): Buffer => this.batchBuffers.take(bytes);

  constructor(
    private readonly source: BatchSource,
    private readonly sink: BatchSink,
    private readonly opts: BatchPublisherOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.stuckAfterMs = opts.stuckAfterMs ?? 120_000;
    this.stuckCheckMs = opts.stuckCheckMs ?? 1000;
    this.stuckTimer = setInterval(() => this.checkStuck(), this.stuckCheckMs);
    this.stuckTimer.unref();
  }

  /** Wakes the publisher: new records were flushed, the link came up, or a batch was acked. */
  wake(): void {
    if (this.stopped) return;
    void this.pump();
  }

  private async pump(): Promise<void> {
    const hold = this.holdUntil - Date.now();
    if (hold > 0) {
      if (!this.holdTimer) {
        this.holdTimer = setTimeout(() => {
          this.holdTimer = undefined;
          this.wake();
        }, hold);
      }
      return;
    }
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped && this.sink.online && this.activeCount() < this.opts.inflight && this.hubWindowOpen()) {
          const readFrom = this.cursor;
          const records = await this.read(readFrom);
          // A failed batch rewound the cursor while we read: read again from there.
          if (this.cursor !== readFrom) continue;
          if (this.stopped) break;
          if (records.length === 0) {
            this.checkNothingBehindCursor();
            break;
          }
          // Cut to the packet limit here, before the cursor moves: the rest is read again next round.
          const fitted = this.fit(records);
          const seqs: number[] = [];
          for (let i = 0; i < fitted.count; i++) seqs.push(records[i].seq);
          this.checkHoles(readFrom, seqs);
          this.cursor = seqs[seqs.length - 1];
          // Only the seqs go on: the records read die here, young, instead of living on in the
          // send until the broker's acknowledgement (long enough for V8 to promote them all).
          void this.send(seqs, fitted);
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'reading the outbox failed; retrying in 1 s');
      this.scheduleRetry();
    } finally {
      this.pumping = false;
    }
  }

  private read(afterSeq: number): Promise<BatchInput[]> {
    // No more than one packet can carry: what is read beyond it is cut off by fit() and read (and,
    // from the backlog, parsed) again for the next batch. Stored records are a little smaller than
    // their batch form, so the cut still takes a few.
    const maxRecords = this.opts.maxRecords;
    const maxBytes = Math.min(this.opts.maxBytes, this.packetBudget());
    return this.source.readStored
      ? this.source.readStored(afterSeq, maxRecords, maxBytes)
      : this.source.readBatch(afterSeq, maxRecords, maxBytes);
  }

  /** With hub acknowledgements, no more than `window` batches wait for the hub (in flight included). */
  private hubWindowOpen(): boolean {
    const w = this.opts.hubAck?.window;
    return w === undefined || this.awaitingHub.size + this.activeCount() < w;
  }

  private activeCount(): number {
    let n = 0;
    for (const e of this.inflight) if (!e.abandoned) n += 1;
    return n;
  }

  /** Holes between the cursor and the records read must have been removed on purpose. */
  private checkHoles(after: number, seqs: readonly number[]): void {
    let expected = after + 1;
    for (const seq of seqs) {
      if (seq > expected && !this.source.removedOnPurpose(expected, seq - 1)) {
        this.counters.gapsDetected += 1;
        this.opts.logger.error(
          { from: expected, to: seq - 1 },
          'seq gap: records missing from the outbox that were neither delivered nor dropped by a counted bound',
        );
      }
      expected = seq + 1;
    }
  }

  /** Nothing in flight and nothing after the cursor: anything stored at or below it was passed over. */
  private checkNothingBehindCursor(): void {
    // Abandoned batches count too: their records may still be acknowledged; so do batches that
    // wait for the hub (their records stay stored until it confirms them).
    if (this.inflight.size > 0 || this.awaitingHub.size > 0 || this.delivering > 0) return;
    const head = this.source.headSeq();
    if (head === null || head > this.cursor) return;
    this.counters.gapsDetected += 1;
    this.counters.skippedRepaired += 1;
    this.opts.logger.error(
      { headSeq: head, cursor: this.cursor },
      'seq gap: stored records were passed over by the batch publisher; sending them now',
    );
    this.cursor = head - 1;
    this.pumpAgain = true;
  }

  /** Raw JSON bytes one batch may have under the packet limit (the broker's, when it said one). */
  private packetBudget(): number {
    const limit = this.sink.maxPacketSize ?? this.opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    return rawBudget(maxPayloadBytes(this.opts.topic, limit), this.opts.compression);
  }

  private fit(records: readonly BatchInput[]): FittedBatch {
    return fitHubBatch(this.opts.gatewayId, records, this.now(), this.sink.onlineSince, this.packetBudget(), this.opts.corrector, this.takeBatchBuffer);
  }

  private encode(fitted: FittedBatch & { kind: 'batch' }): Promise<Buffer> {
    return this.opts.compression === 'gzip' ? gzipAsync(fitted.json) : Promise.resolve(fitted.json);
  }

  private async send(seqs: number[], fitted: FittedBatch): Promise<void> {
    const from = seqs[0];
    const to = seqs[seqs.length - 1];
    const entry: InFlight = {
      id: batchIdOf(from, to),
      from,
      to,
      seqs,
      records: fitted.kind === 'batch' ? seqs.length : 0,
      captureTimes: fitted.kind === 'batch' ? fitted.captureTimes : undefined,
      waitedMs: 0,
      abandoned: false,
    };
    this.inflight.add(entry);
    this.counters.inflight = this.activeCount();
    const live = this.source.inMemory?.(from - 1) ?? false;
    const encoded = fitted.kind === 'batch' ? this.encode(fitted) : undefined;
    let acked: Promise<void> | undefined;
    const handOff = this.lastHandOff.then(async () => {
      if (!encoded) return;
      const payload = await encoded;
      // Compressed: gzip has read the batch's bytes, and only its output goes to the broker.
      if (fitted.kind === 'batch' && payload !== fitted.json) this.batchBuffers.give(fitted.json);
      if (fitted.kind === 'batch' && fitted.shortened) {
        this.counters.recordsShortened += fitted.shortened;
        this.opts.logger.warn({ seq: entry.from }, 'record too large for the MQTT packet limit: sent without its decoded data');
      }
      this.counters.batchesPublished += 1;
      acked = this.sink.publish(this.opts.topic, payload, 1);
    });
    if (fitted.kind === 'too_large') {
      this.counters.recordsTooLarge += 1;
      this.opts.logger.error({ seq: entry.from, bytes: fitted.bytes }, 'record too large for the MQTT packet limit even without its decoded data: dropped');
    }
    this.lastHandOff = handOff.catch(() => undefined);
    let deletion: Promise<void> | undefined;
    try {
      await handOff;
      await acked;
      // Sent as it is: the broker has it, and the sink is done with it (BatchSink.publish).
      if (fitted.kind === 'batch' && this.opts.compression === 'none') this.batchBuffers.give(fitted.json);
      this.failuresWhileOnline = 0;
      if (this.noSubscriberEpisode) {
        this.noSubscriberEpisode = false;
        this.opts.logger.info('the hub subscribes again: delivering the records kept meanwhile');
      }
      if (this.opts.hubAck && fitted.kind === 'batch') {
        // The broker has it; the hub's word deletes it (hubAcked), or its silence sends it again.
        if (entry.hubConfirmed) {
          this.counters.hubAcked += 1;
          deletion = this.deliver(entry);
        } else if (!entry.abandoned) {
          entry.hubWaitedMs = 0;
          this.awaitingHub.set(entry.id, entry);
          this.counters.awaitingHub = this.awaitingHub.size;
        }
      } else if (live) {
        deletion = this.deliver(entry);
      } else {
        await this.deliver(entry);
      }
    } catch (err) {
      this.notDelivered(entry, err);
    } finally {
      this.inflight.delete(entry);
      this.counters.inflight = this.activeCount();
    }
    // A batch of live records frees its slot once the broker has it, not once its records are
    // deleted: deleting waits its turn behind the group writes of incoming uplinks, and holding the
    // slot meanwhile starved the batches under heavy traffic (the backlog then went to disk and was
    // read back). A backlog batch keeps its slot until its deletion, as before: a drain, where no
    // uplinks compete for the queue, then reads no further ahead than `inflight` batches, and what it
    // holds in memory for the batches between read and deletion stays bounded by that.
    this.wake();
    if (deletion) {
      try {
        await deletion;
      } catch (err) {
        this.notDelivered(entry, err);
      }
    }
  }

  /** Not delivered (or its records not deleted): read them again, the outbox still has them. */
  private notDelivered(entry: InFlight, err: unknown): void {
    this.counters.batchErrors += 1;
    if (!entry.abandoned) this.rewind(entry.from - 1);
    if (this.stopped) return;
    if (err instanceof NoSubscribersError) {
      this.counters.heldNoSubscriber += 1;
      if (!this.noSubscriberEpisode) {
        this.noSubscriberEpisode = true;
        this.opts.logger.warn(
          { topic: err.topic, from: entry.from },
          'nobody is subscribed to the batch topic (the broker lost the hub\'s session?): records stay in the outbox and are sent again with back-off',
        );
      }
    } else {
      this.opts.logger.warn({ err: (err as Error).message, from: entry.from, to: entry.to }, 'batch not delivered; it will be sent again');
    }
    // A failure while connected is the broker's answer, not a dropped link: back off before
    // trying again. After a dropped link the reconnect wakes us at once.
    if (this.sink.online) {
      this.failuresWhileOnline += 1;
      this.holdUntil = Date.now() + Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.failuresWhileOnline - 1));
    }
    this.scheduleRetry();
  }

  /** Deletes what a batch carried and counts it delivered. */
  private async deliver(entry: InFlight): Promise<void> {
    // A range ack deletes everything stored in it: only safe when the batch carried every seq of it.
    const contiguous = entry.to - entry.from + 1 === entry.seqs.length && entry.from > this.verifyAcksUpTo;
    this.delivering += 1;
    try {
      await this.source.ack(contiguous ? { from: entry.from, to: entry.to } : entry.seqs);
    } finally {
      this.delivering -= 1;
    }
    this.counters.lastAckedSeq = Math.max(this.counters.lastAckedSeq, entry.to);
    if (entry.records > 0) {
      this.counters.batchesAcked += 1;
      this.counters.recordsAcked += entry.records;
      if (entry.captureTimes) {
        this.counters.capturedAtCorrected += entry.captureTimes.corrected;
        for (const [reason, n] of Object.entries(entry.captureTimes.uncorrected)) this.counters.capturedAtUncorrected[reason as UncorrectedReason] += n;
      }
      this.opts.onAcked?.(entry.records, entry.from, entry.to);
    }
  }

  /** A message on `hub/ack`: refused ones are logged (once until a good one comes) and counted. */
  handleHubAck(payload: Buffer): Promise<void> {
    const ack = parseHubAck(payload);
    if (!ack.ok) {
      this.counters.hubAcksRefused += 1;
      if (!this.badHubAckLogged) {
        this.badHubAckLogged = true;
        this.opts.logger.warn({ reason: ack.reason, bytes: payload.length }, 'ignoring a message on the hub acknowledgement topic that is not one');
      }
      return Promise.resolve();
    }
    this.badHubAckLogged = false;
    return this.hubAcked(ack.batchIds);
  }

  /**
   * The hub committed these batches (`<firstSeq>-<lastSeq>` ids, as in the batch). A batch still
   * waiting for its PUBACK is marked and delivered when the PUBACK comes. Unknown ids are ignored: a
   * late word on a batch already sent again, or on one this process never sent.
   */
  async hubAcked(batchIds: readonly string[]): Promise<void> {
    const deliveries: Array<Promise<void>> = [];
    for (const id of batchIds) {
      const entry = this.awaitingHub.get(id);
      if (!entry) {
        for (const e of this.inflight) if (!e.abandoned && e.id === id) e.hubConfirmed = true;
        continue;
      }
      this.awaitingHub.delete(id);
      this.counters.awaitingHub = this.awaitingHub.size;
      // All at once: deletions queued together become one (the outbox merges them).
      deliveries.push(
        this.deliver(entry).then(
          () => void (this.counters.hubAcked += 1),
          (err: unknown) => {
            // The records stay stored; the silence timeout sends them again (a duplicate at worst).
            this.opts.logger.error({ err: (err as Error).message, from: entry.from, to: entry.to }, 'deleting a batch the hub confirmed failed');
          },
        ),
      );
    }
    // Their window places are free already: the next batches need not wait for the deletions.
    if (deliveries.length > 0) this.wake();
    await Promise.all(deliveries);
  }

  /**
   * A batch the hub has not confirmed timeoutMs (connected time) after the broker took it was
   * probably dropped by the broker: it and every batch after it are sent again.
   */
  private checkHubSilence(): void {
    const h = this.opts.hubAck;
    if (!h || this.awaitingHub.size === 0) return;
    let oldest = Infinity;
    for (const e of this.awaitingHub.values()) {
      e.hubWaitedMs = (e.hubWaitedMs ?? 0) + this.stuckCheckMs;
      if (e.hubWaitedMs >= h.timeoutMs) oldest = Math.min(oldest, e.from);
    }
    if (oldest === Infinity) return;
    this.counters.hubAckTimeouts += 1;
    this.opts.logger.warn(
      { batches: this.awaitingHub.size, fromSeq: oldest, timeoutMs: h.timeoutMs },
      'the hub has not confirmed a batch the broker took; sending it and the ones after it again (the broker may have dropped it; the hub may see some twice)',
    );
    this.awaitingHub.clear();
    this.counters.awaitingHub = 0;
    // Batches still waiting for their PUBACK are sent again too: they must not also wait for the hub.
    for (const e of this.inflight) e.abandoned = true;
    this.counters.inflight = this.activeCount();
    this.rewind(oldest - 1);
    this.wake();
  }

  private rewind(toSeq: number): void {
    if (toSeq < this.cursor) this.verifyAcksUpTo = Math.max(this.verifyAcksUpTo, this.cursor);
    this.cursor = Math.min(this.cursor, toSeq);
  }

  /** Counts connected time per batch; gives up one that waited too long so its records are re-read. */
  private checkStuck(): void {
    if (this.stopped || !this.sink.online) return;
    this.checkHubSilence();
    let gaveUp = false;
    for (const e of this.inflight) {
      if (e.abandoned) continue;
      e.waitedMs += this.stuckCheckMs;
      if (e.waitedMs < this.stuckAfterMs) continue;
      e.abandoned = true;
      gaveUp = true;
      this.counters.stuckBatches += 1;
      this.rewind(e.from - 1);
      this.opts.logger.error(
        { from: e.from, to: e.to, waitedMs: e.waitedMs },
        'batch not acknowledged while connected; sending its records again (the hub may see them twice)',
      );
    }
    if (gaveUp) {
      this.counters.inflight = this.activeCount();
      this.wake();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, 1000);
  }

  /** Stops publishing new batches; in-flight ones may still be acknowledged. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.stuckTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
