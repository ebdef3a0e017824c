// Reads the outbox in seq order and publishes batches with QoS 1, keeping at most `inflight` batches
// unacknowledged; records are deleted only after the PUBACK of the batch that carried them.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Logger } from '../log.js';
import type { OutboxRecord } from '../outbox/record.js';
import { fitHubBatch, rawBudget, type FittedBatch } from './batch-fit.js';
import { DEFAULT_MAX_PACKET_SIZE, maxPayloadBytes } from './packet-size.js';

const gzipAsync = promisify(gzip);

/** What the forwarder needs from the outbox. */
export interface BatchSource {
  readBatch(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]>;
  ack(range: { from: number; to: number }): Promise<void>;
}

/** What the forwarder needs from the MQTT connection. */
export interface BatchSink {
  readonly online: boolean;
  readonly onlineSince: number;
  /** The packet limit in force (HubClient: mqtt.maxPacketSize or the broker's smaller one). */
  readonly maxPacketSize?: number;
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
}

export interface BatchForwarderOptions {
  gatewayId: string;
  topic: string;
  maxRecords: number;
  maxBytes: number;
  inflight: number;
  compression: 'none' | 'gzip';
  /** Used when the sink does not say; default 128 KiB. */
  maxPacketSize?: number;
  logger: Logger;
  now?: () => number;
  /** Called after each acknowledged batch (metrics, latency probes). */
  onAcked?: (records: number, firstSeq: number, lastSeq: number) => void;
}

export interface ForwarderCounters {
  batchesPublished: number;
  batchesAcked: number;
  recordsAcked: number;
  batchErrors: number;
  inflight: number;
  lastAckedSeq: number;
  /** Records sent without their decoded data because alone they exceeded the packet limit. */
  recordsShortened: number;
  /** Records given up (acknowledged unsent) because even shortened they exceed the packet limit. */
  recordsTooLarge: number;
}

interface InFlight {
  from: number;
  to: number;
}

export class BatchForwarder {
  /** Highest seq handed to a publish so far. */
  private cursor = 0;
  private readonly inflight = new Set<InFlight>();
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly stats: ForwarderCounters = {
    batchesPublished: 0, batchesAcked: 0, recordsAcked: 0, batchErrors: 0, inflight: 0, lastAckedSeq: 0,
    recordsShortened: 0, recordsTooLarge: 0,
  };

  constructor(
    private readonly source: BatchSource,
    private readonly sink: BatchSink,
    private readonly opts: BatchForwarderOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Wakes the forwarder: new records were flushed, the link came up, or a batch was acked. */
  wake(): void {
    if (this.stopped) return;
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped && this.sink.online && this.inflight.size < this.opts.inflight) {
          const readFrom = this.cursor;
          const records = await this.source.readBatch(readFrom, this.opts.maxRecords, this.opts.maxBytes);
          // A failed batch rewound the cursor while we read: read again from there.
          if (this.cursor !== readFrom) continue;
          if (records.length === 0 || this.stopped) break;
          // Cut to the packet limit here, before the cursor moves: the rest is read again next round.
          const fitted = this.fit(records);
          this.cursor = records[fitted.count - 1].seq;
          void this.send(records.slice(0, fitted.count), fitted);
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'reading the outbox failed; retrying in 1 s');
      this.scheduleRetry();
    } finally {
      this.pumping = false;
    }
  }

  private fit(records: OutboxRecord[]): FittedBatch {
    const limit = this.sink.maxPacketSize ?? this.opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    const budget = rawBudget(maxPayloadBytes(this.opts.topic, limit), this.opts.compression);
    return fitHubBatch(this.opts.gatewayId, records, this.now(), this.sink.onlineSince, budget);
  }

  private async send(records: OutboxRecord[], fitted: FittedBatch): Promise<void> {
    const entry: InFlight = { from: records[0].seq, to: records[records.length - 1].seq };
    this.inflight.add(entry);
    this.stats.inflight = this.inflight.size;
    try {
      if (fitted.kind === 'too_large') {
        this.stats.recordsTooLarge += 1;
        this.opts.logger.error({ seq: entry.from, bytes: fitted.bytes }, 'record too large for the MQTT packet limit even without its decoded data: dropped');
      } else {
        if (fitted.shortened) {
          this.stats.recordsShortened += fitted.shortened;
          this.opts.logger.warn({ seq: entry.from }, 'record too large for the MQTT packet limit: sent without its decoded data');
        }
        let payload = fitted.json;
        if (this.opts.compression === 'gzip') payload = await gzipAsync(payload);
        this.stats.batchesPublished += 1;
        await this.sink.publish(this.opts.topic, payload, 1);
      }
      await this.source.ack({ from: entry.from, to: entry.to });
      this.stats.lastAckedSeq = Math.max(this.stats.lastAckedSeq, entry.to);
      if (fitted.kind === 'batch') {
        this.stats.batchesAcked += 1;
        this.stats.recordsAcked += records.length;
        this.opts.onAcked?.(records.length, entry.from, entry.to);
      }
    } catch (err) {
      // Not delivered: read these records again (the outbox still has them).
      this.stats.batchErrors += 1;
      this.cursor = Math.min(this.cursor, entry.from - 1);
      if (!this.stopped) {
        this.opts.logger.warn({ err: (err as Error).message, from: entry.from, to: entry.to }, 'batch not delivered; it will be sent again');
        this.scheduleRetry();
      }
    } finally {
      this.inflight.delete(entry);
      this.stats.inflight = this.inflight.size;
    }
    this.wake();
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
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
