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
import { quietSnapshot } from '../../helpers/quiet-snapshot.js';

/** A quiet snapshot with two downlinks sent, as the app builds it before the parts report. */
function base(): Record<string, unknown> {
  const quiet = quietSnapshot(Date.UTC(2026, 10, 23, 12));
  return { ...quiet, uptimeMs: 1000, downlinks: { ...quiet.downlinks, byStatus: { OK: 2 } } };
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
