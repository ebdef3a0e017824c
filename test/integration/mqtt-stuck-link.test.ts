// Scenario: the TCP connection to the broker stays open but carries nothing (a half-dead cellular
// link). The publish-ack watchdog notices, forces a reconnect, and nothing is lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

test('a publish not acknowledged in time forces a reconnect; every record still arrives', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  const hub = await TestHub.connect(broker.url);
  const daemon = await startTestDaemon(proxy.url, { mqtt: { publishTimeout: '1s', keepalive: '60s' } });
  try {
    const deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 200, count: 20 });
    await hub.waitForUnique(20);
    proxy.freeze();
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(6).slice(3), rate: 200, count: 30 });
    await hub.waitForUnique(50, 15_000);
    const stats = daemon.app.hub!.counters;
    assert.ok(stats.publishTimeouts >= 1, 'the watchdog fired');
    assert.ok(stats.reconnects >= 1, "and the client reconnected");
    assert.ok(stats.disconnects >= 1, "the dropped connection is counted");
    assert.equal(hub.seqs(), Array.from({ length: 50 }, (_, i) => i + 1));
  } finally {
    await daemon.destroy();
    await hub.close();
    await proxy.close();
    await broker.stop();
  }
});

test.run();
