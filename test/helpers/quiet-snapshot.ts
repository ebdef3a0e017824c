// A whole daemon snapshot with quiet numbers everywhere, as the app builds it before the parts
// report: tests of the status text, the metrics and the parts' reports add only what they test.
import type { DaemonSnapshot } from '../../src/ops/snapshot.js';

export function quietSnapshot(now: number): DaemonSnapshot {
  return {
    gatewayId: '0016c001ff10a235', version: '0.1.0', now, uptimeMs: 60_000, sources: [],
    mqtt: { state: 'connected', connected: true, connects: 1, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 0, acked: 0, publishErrors: 0, liveSkipped: 0,
      connectAttempts: 1, closes: 0, oversizeRefused: 0, noSubscriber: 0, closesRecent: 0 },
    outbox: { depth: 0, bytes: 0, firstSeq: null, lastSeq: null, oldestCapturedAt: null, nextSeq: 1, pending: 0,
      dropped: { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 }, writeErrors: 0, appended: 0, acked: 0, flushes: 0, reopens: 0, oldestAgeMs: null },
    forwarder: { batchesPublished: 0, batchesAcked: 0, recordsAcked: 0, batchErrors: 0, inflight: 0, lastAckedSeq: 0, gapsDetected: 0, skippedRepaired: 0, stuckBatches: 0,
      recordsShortened: 0, recordsTooLarge: 0, heldNoSubscriber: 0, awaitingHub: 0, hubAcked: 0, hubAckTimeouts: 0, hubAcksRefused: 0, drainRatePerS: 0, drain: null },
    pipeline: { received: 0, crcOk: 0, crcBad: 0, crcNone: 0, forwarded: 0, duplicates: 0, invalidLorawan: 0, liveSent: 0, liveSkipped: 0, dropped: {}, mType: {} },
    drops: {}, devices: null, unstoredDropped: 0, storeRecoveries: [],
    downlinks: { byStatus: {}, dutyCycle: [], edge: null, networkServer: null, deviceAcks: null },
  } as DaemonSnapshot;
}
