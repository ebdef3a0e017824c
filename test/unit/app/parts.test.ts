// Counters that used to be lost reach the snapshot and /metrics: the network-server downlink counters
// and the device-ack events dropped, through their parts' reports (app/parts.ts, app/part.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeReports } from '../../../src/app/part.js';
import { deviceAcksPart, networkServerDownlinksPart } from '../../../src/app/parts.js';
import { DeviceAckQueue } from '../../../src/mqtt/device-ack-queue.js';
import { NetworkServerDownlinks } from '../../../src/mqtt/chirpstack/ns-downlinks.js';
import { createMetricsRegistry } from '../../../src/ops/metrics.js';
import type { DaemonSnapshot } from '../../../src/ops/snapshot.js';
import { silentLogger } from '../../../src/log.js';

/** A whole snapshot with quiet numbers everywhere, as the app builds it before the parts report. */
function base(): Record<string, unknown> {
  const now = Date.UTC(2026, 10, 23, 12);
  return {
    gatewayId: '0016c001ff10a235', version: '0.1.0', now, uptimeMs: 1000, sources: [],
    mqtt: { state: 'connected', connected: true, connects: 1, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 0, acked: 0, publishErrors: 0, liveSkipped: 0,
      connectAttempts: 1, closes: 0, oversizeRefused: 0, noSubscriber: 0, closesRecent: 0 },
    outbox: { depth: 0, bytes: 0, firstSeq: null, lastSeq: null, oldestCapturedAt: null, nextSeq: 1, pending: 0,
      dropped: { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 }, writeErrors: 0, appended: 0, acked: 0, flushes: 0, oldestAgeMs: null },
    forwarder: { batchesPublished: 0, batchesAcked: 0, recordsAcked: 0, batchErrors: 0, inflight: 0, lastAckedSeq: 0, gapsDetected: 0, skippedRepaired: 0, stuckBatches: 0, recordsShortened: 0, recordsTooLarge: 0, heldNoSubscriber: 0, awaitingHub: 0, hubAcked: 0, hubAckTimeouts: 0, hubAcksRefused: 0, drainRatePerS: 0, drain: null },
    pipeline: { received: 0, crcOk: 0, crcBad: 0, crcNone: 0, forwarded: 0, duplicates: 0, invalidLorawan: 0, liveSent: 0, liveSkipped: 0, dropped: {}, mType: {} },
    drops: {}, devices: null, unstoredDropped: 0, storeRecoveries: [],
    downlinks: { byStatus: { OK: 2 }, dutyCycle: [], edge: null, networkServer: null, deviceAcks: null },
  };
}

async function metricsOf(snapshot: DaemonSnapshot): Promise<string> {
  return createMetricsRegistry(() => snapshot).metrics();
}

test('network-server downlink counters move and reach the snapshot and /metrics', async () => {
  const ns = new NetworkServerDownlinks({
    gatewayId: '0016c001ff10a235',
    marshaler: 'protobuf',
    scheduler: { send: async () => ({ status: 'OK' }), defaultSourceIndex: () => 0 } as never,
    publishAck: () => undefined,
    logger: silentLogger(),
  });
  const part = networkServerDownlinksPart(ns);
  const before = mergeReports(base(), [part.report!(0)]) as unknown as DaemonSnapshot;
  assert.is(before.downlinks.networkServer?.framesMalformed, 0);

  await ns.handle(Buffer.from('not a downlink frame'));
  const after = mergeReports(base(), [part.report!(0)]) as unknown as DaemonSnapshot;
  assert.is(after.downlinks.networkServer?.framesReceived, 1);
  assert.is(after.downlinks.networkServer?.framesMalformed, 1);
  assert.is(after.downlinks.byStatus.OK, 2, 'the other downlink numbers are kept beside it');
  const text = await metricsOf(after);
  assert.match(text, /lora_edge_ns_downlink_events_total\{event="frames_received"\} 1\n/);
  assert.match(text, /lora_edge_ns_downlink_events_total\{event="frames_malformed"\} 1\n/);
});

test('device-ack events dropped while offline move and reach the snapshot and /metrics', async () => {
  const offline = { online: false, publish: async () => undefined };
  const acks = new DeviceAckQueue(offline, 'eu868/gateway/0016c001ff10a235/hub/device-ack', silentLogger(), 2);
  const part = deviceAcksPart(acks);
  for (let i = 0; i < 5; i++) acks.publish({ event: 'queued', i });
  const snap = mergeReports(base(), [part.report!(0)]) as unknown as DaemonSnapshot;
  assert.equal(snap.downlinks.deviceAcks, { dropped: 3, tooLarge: 0 });
  const text = await metricsOf(snap);
  assert.match(text, /lora_edge_device_acks_dropped_total\{reason="queue_full"\} 3\n/);
  assert.match(text, /lora_edge_device_acks_dropped_total\{reason="too_large"\} 0\n/);
});

test('reports merge: lists add up, objects merge one level, the rest is set', () => {
  const merged = mergeReports({ sources: [], downlinks: { byStatus: {}, edge: null }, unstoredDropped: 0 }, [
    { sources: [{ id: 'a' } as never], downlinks: { byStatus: { OK: 1 } } },
    { sources: [{ id: 'b' } as never], downlinks: { edge: { joinsAccepted: 1 } as never }, unstoredDropped: 4 },
  ]);
  assert.equal(merged, { sources: [{ id: 'a' }, { id: 'b' }], downlinks: { byStatus: { OK: 1 }, edge: { joinsAccepted: 1 } }, unstoredDropped: 4 });
});

test.run();
