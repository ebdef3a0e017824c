// The clock in `lora-edge status` and /metrics: state, the last step, corrections by outcome; a
// snapshot from a daemon older than hub schema 2 (no clock) still renders.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderStatus } from '../../../src/ops/status-report.js';
import { healthOf, type DaemonSnapshot } from '../../../src/ops/snapshot.js';
import { createMetricsRegistry } from '../../../src/ops/metrics.js';
import type { CaptureClockReport } from '../../../src/clock/capture-clock.js';

function snapshot(clock?: CaptureClockReport, corrected?: { capturedAtCorrected: number; capturedAtUncorrected: DaemonSnapshot['forwarder']['capturedAtUncorrected'] }): DaemonSnapshot {
  const now = Date.UTC(2026, 11, 6, 12);
  return {
    gatewayId: '0016c001ff10a235', version: '0.1.0', now, uptimeMs: 60_000, sources: [],
    mqtt: { state: 'connected', connected: true, connects: 1, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 5, acked: 5, publishErrors: 0, liveSkipped: 0,
      connectAttempts: 1, closes: 0, oversizeRefused: 0, noSubscriber: 0, closesRecent: 0 },
    outbox: { depth: 0, bytes: 0, firstSeq: null, lastSeq: null, oldestCapturedAt: null, nextSeq: 1, pending: 0,
      dropped: { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 }, writeErrors: 0, appended: 0, acked: 0, flushes: 0, reopens: 0, oldestAgeMs: null },
    forwarder: { batchesPublished: 0, batchesAcked: 0, recordsAcked: 0, batchErrors: 0, inflight: 0, lastAckedSeq: 0, gapsDetected: 0, skippedRepaired: 0, stuckBatches: 0,
      recordsShortened: 0, recordsTooLarge: 0, heldNoSubscriber: 0, awaitingHub: 0, hubAcked: 0, hubAckTimeouts: 0, hubAcksRefused: 0, drainRatePerS: 0, drain: null, ...corrected },
    pipeline: { received: 0, crcOk: 0, crcBad: 0, crcNone: 0, forwarded: 0, duplicates: 0, invalidLorawan: 0, liveSent: 0, liveSkipped: 0, dropped: {}, mType: {} },
    drops: {}, devices: null, unstoredDropped: 0, storeRecoveries: [], downlinks: { byStatus: {}, dutyCycle: [], edge: null },
    ...(clock ? { clock } : {}),
  };
}

const CLOCK: CaptureClockReport = {
  syncSource: 'auto', synced: true, problem: null, bootId: 'a0882cfe4e4e', syncedAt: Date.UTC(2026, 11, 6, 11), lastStepMs: 86_400_000, testOffsetMs: 0,
};
const COUNTS = { capturedAtCorrected: 20, capturedAtUncorrected: { earlier_boot: 3, not_synced_yet: 0, no_capture_clock: 0 } };

function status(s: DaemonSnapshot): string {
  return renderStatus({ ...s, health: healthOf(s) });
}

test('status: synchronised after a step, with the corrections', () => {
  const text = status(snapshot(CLOCK, COUNTS));
  assert.match(text, /clock:\s+synchronised, source auto; last step \+24 h 0 min; /);
  assert.match(text, /20 capture times corrected; sent uncorrected: earlier_boot 3/);
});

test('status: not synchronised, unknown, and a test offset stand out', () => {
  assert.match(status(snapshot({ ...CLOCK, synced: false, lastStepMs: null })), /clock:\s+NOT synchronised \(records are corrected once it is\), source auto\n/);
  assert.match(status(snapshot({ ...CLOCK, synced: null, problem: 'timedatectl failed: Failed to connect to bus', lastStepMs: null })), /sync state unknown \(timedatectl failed: Failed to connect to bus\)/);
  assert.match(status(snapshot({ ...CLOCK, syncSource: 'file:/tmp/c', testOffsetMs: -5000 })), /TEST OFFSET -5000 ms/);
});

test('status of a daemon older than the clock (lora-edge status reads /status of any version): no clock line, no error', () => {
  assert.not.match(status(snapshot()), /clock:/);
});

test('metrics: the state as 1/0/-1 and the capture-time outcomes', async () => {
  for (const [synced, value] of [[true, 1], [false, 0], [null, -1]] as const) {
    const text = await createMetricsRegistry(() => snapshot({ ...CLOCK, synced }, COUNTS)).metrics();
    assert.match(text, new RegExp(`lora_edge_clock_synchronised ${value}\\n`));
  }
  const text = await createMetricsRegistry(() => snapshot(CLOCK, COUNTS)).metrics();
  assert.match(text, /lora_edge_records_capture_time_total\{outcome="corrected"\} 20/);
  assert.match(text, /lora_edge_records_capture_time_total\{outcome="earlier_boot"\} 3/);
});

test.run();
