// The clock in `lora-edge status` and /metrics: state, the last step, corrections by outcome; a
// snapshot from a daemon older than hub schema 2 (no clock) still renders.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderStatus } from '../../../src/ops/status-report.js';
import { healthOf, type DaemonSnapshot } from '../../../src/ops/snapshot.js';
import { createMetricsRegistry } from '../../../src/ops/metrics.js';
import type { CaptureClockReport } from '../../../src/clock/capture-clock.js';
import { quietSnapshot } from '../../helpers/quiet-snapshot.js';

function snapshot(clock?: CaptureClockReport, corrected?: { capturedAtCorrected: number; capturedAtUncorrected: DaemonSnapshot['forwarder']['capturedAtUncorrected'] }): DaemonSnapshot {
  const quiet = quietSnapshot(Date.UTC(2026, 11, 6, 12));
  return {
    ...quiet,
    mqtt: { ...quiet.mqtt, published: 5, acked: 5 },
    forwarder: { ...quiet.forwarder, ...corrected },
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
