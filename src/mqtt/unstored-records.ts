// Records the outbox could not store (disk full, I/O error): sent live in batches of their own when
// connected, cut to the packet limit like the forwarder's; otherwise lost, and that is counted and logged.
import type { Logger } from '../log.js';
import type { OutboxRecord } from '../outbox/record.js';
import type { HubClient } from './hub-client.js';
import { fitHubBatch } from './batch-fit.js';
import { maxPayloadBytes } from './packet-size.js';
import { NO_CORRECTION, type CaptureCorrector } from '../clock/capture-stamp.js';

export class UnstoredRecords {
  /** Records neither stored nor delivered. */
  dropped = 0;

  /** Outbox flush count when the last "dropped while offline" line was logged; -1: never. */
  private loggedAtFlushes = -1;

  constructor(
    private readonly gatewayId: string,
    /** The hub client once there is one (the outbox opens first). */
    private readonly hubClient: () => Pick<HubClient, 'online' | 'topics' | 'maxPacketSize' | 'onlineSince' | 'publish'> | undefined,
    private readonly log: Logger,
    /** The outbox's successful flush count: a flush between two failures starts a new episode. */
    private readonly flushCount: () => number = () => 0,
    /** Corrects capture times like the forwarder does. */
    private readonly corrector: CaptureCorrector = NO_CORRECTION,
  ) {}

  /** The outbox's onUnstored callback. */
  handle(records: OutboxRecord[], err: Error): void {
    const hub = this.hubClient();
    if (!hub?.online || records.length === 0) {
      this.dropped += records.length;
      // Once per outbox failure episode, not once per group.
      const flushes = this.flushCount();
      if (flushes !== this.loggedAtFlushes) {
        this.loggedAtFlushes = flushes;
        this.log.error(
          { records: records.length, err: err.message },
          'outbox write failed while offline: records dropped until writes work again (counted in unstoredDropped)',
        );
      }
      return;
    }
    const topic = hub.topics.hub('batch');
    const budget = maxPayloadBytes(topic, hub.maxPacketSize);
    for (let rest = records; rest.length > 0; ) {
      const fitted = fitHubBatch(this.gatewayId, rest, Date.now(), hub.onlineSince, budget, this.corrector);
      const count = fitted.count;
      rest = rest.slice(count);
      if (fitted.kind === 'too_large') {
        this.dropped += count;
        continue;
      }
      hub.publish(topic, fitted.json, 1).catch((e: Error) => {
        this.dropped += count;
        this.log.error({ records: count, err: e.message }, 'records the outbox could not store were not delivered either');
      });
    }
  }
}
