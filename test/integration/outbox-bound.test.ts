// Scenario: a long outage fills the outbox to its byte bound. The oldest records are dropped and
// counted, the newest kept and delivered when the backhaul returns; the radio is never blocked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

test('outbox bound reached: oldest dropped and counted, newest kept and delivered', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  proxy.down();
  const hub = await TestHub.connect(broker.url);
  const daemon = await startTestDaemon(proxy.url, { storage: { maxBytes: '1MiB' } });
  try {
    const total = 3000;
    const sent = await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(20), rate: 2000, count: total });
    assert.is(sent.pushAcks, sent.datagramsSent, 'the radio side was never blocked');
    await daemon.app.outbox!.flush();
    const stats = daemon.app.outbox!.stats();
    assert.ok(stats.dropped.overflow > 0, 'oldest records dropped');
    assert.ok(stats.bytes <= 1024 * 1024, `stored bytes within the bound (${stats.bytes})`);
    assert.is(stats.depth + stats.dropped.overflow, total, 'every record is either stored or counted as dropped');
    assert.is(stats.lastSeq, total, 'the newest record is kept');

    proxy.up();
    await hub.waitForUnique(stats.depth, 30_000);
    const seqs = hub.seqs();
    assert.is(seqs[seqs.length - 1], total);
    assert.is(seqs[0], stats.dropped.overflow + 1, 'what arrives is the newest, contiguous suffix');
    hub.assertInOrder();
  } finally {
    await daemon.destroy();
    await hub.close();
    await proxy.close();
    await broker.stop();
  }
});

test.run();
