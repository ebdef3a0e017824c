// The running daemon reports the network-server downlink counters in its snapshot and /metrics
// (they used to stop at NetworkServerDownlinks.counters()).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { createMetricsRegistry } from '../../src/ops/metrics.js';

test('a malformed command/down is counted in the snapshot and in /metrics', async () => {
  const broker = await startAedes();
  const daemon = await startTestDaemon(broker.url);
  const ns = mqtt.connect(broker.url, { protocolVersion: 4 });
  try {
    await new Promise<void>((r) => ns.once('connect', () => r()));
    let deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(daemon.app.snapshot().downlinks.networkServer?.framesMalformed, 0);
    ns.publish(`eu868/gateway/${TEST_GATEWAY_ID}/command/down`, Buffer.from('not a downlink frame'), { qos: 1 });
    deadline = Date.now() + 5000;
    while (!daemon.app.snapshot().downlinks.networkServer?.framesMalformed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const snap = daemon.app.snapshot();
    assert.is(snap.downlinks.networkServer?.framesReceived, 1);
    assert.is(snap.downlinks.networkServer?.framesMalformed, 1);
    const text = await createMetricsRegistry(() => daemon.app.snapshot()).metrics();
    assert.match(text, /lora_edge_ns_downlink_events_total\{event="frames_malformed"\} 1\n/);
    assert.match(text, /lora_edge_device_acks_dropped_total\{reason="queue_full"\} 0\n/, 'edge mode is built, so its ack queue reports too');
  } finally {
    await ns.endAsync(true);
    await daemon.destroy();
    await broker.stop();
  }
});

test.run();
