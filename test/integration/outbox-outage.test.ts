// Scenario: the backhaul goes down for a while under steady traffic, then comes back. Every record
// arrives, in seq order, with duplicates at most the batches that were in flight.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

test('outage under steady traffic: nothing lost, order kept, duplicates bounded', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  const hub = await TestHub.connect(broker.url);
  const daemon = await startTestDaemon(proxy.url, { batch: { maxRecords: 50, inflight: 4 } });
  try {
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const traffic = runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(10), rate: 300, count: 1200 });
    await wait(1000);
    proxy.down();
    await wait(2000);
    assert.not.ok(daemon.app.hub!.online, 'the daemon noticed the outage');
    const depthDuringOutage = daemon.app.outbox!.stats().depth;
    assert.ok(depthDuringOutage > 300, `records wait in the outbox during the outage (depth ${depthDuringOutage})`);
    proxy.up();
    const sent = await traffic;
    assert.is(sent.framesSent, 1200);
    await hub.waitForUnique(1200, 30_000);
    assert.equal(hub.seqs(), Array.from({ length: 1200 }, (_, i) => i + 1), 'every seq, in order');
    hub.assertInOrder();
    assert.ok(hub.duplicates <= 4 * 50, `duplicates (${hub.duplicates}) at most the in-flight batches`);
    const replayed = hub.firstArrivals.filter((r) => r.replay);
    assert.ok(replayed.length > 0, 'records that waited are marked replay');
    assert.ok(replayed.every((r) => r.holdMs > 0));
    // Delivered records leave the outbox.
    const deadline = Date.now() + 5000;
    while (daemon.app.outbox!.stats().depth > 0 && Date.now() < deadline) await wait(50);
    assert.is(daemon.app.outbox!.stats().depth, 0, 'outbox drained after PUBACKs');
  } finally {
    await daemon.destroy();
    await hub.close();
    await proxy.close();
    await broker.stop();
  }
});

test.run();
