// MQTT 5 against mosquitto: a batch the broker acknowledges with "no matching subscribers" (nobody
// subscribed: a hub whose session the broker lost) is not a delivery. The records stay in the outbox
// and arrive once the hub subscribes. Over 3.1.1 the same batches are acknowledged and gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes, startMosquitto, systemTier } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

const tier = systemTier('mosquitto');

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (!tier.available && !tier.required) {
  console.log('skipped: mosquitto is not installed (apt-get install mosquitto)');
} else {
  test('MQTT 5: batches nobody is subscribed to stay in the outbox until the hub subscribes', async () => {
    const broker = await startMosquitto();
    const daemon = await startTestDaemon(broker.url, { mqtt: { protocolVersion: 5 } });
    let hub: TestHub | undefined;
    try {
      await until(() => daemon.app.hub!.online, 'the daemon to connect');
      assert.is(daemon.app.hub!.protocolVersion, 5);
      await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 500, count: 30 });
      await until(() => daemon.app.forwarder!.counters.heldNoSubscriber > 0, 'a batch refused for want of a subscriber');
      assert.is(daemon.app.forwarder!.counters.recordsAcked, 0, 'nothing counted as delivered');
      // Waits for the group being written too (pending only counts records not yet handed to LevelDB).
      await daemon.app.outbox!.flush();
      const stored = daemon.app.outbox!.stats();
      assert.ok(stored.appended >= 25, `traffic arrived (${stored.appended})`);
      assert.is(stored.depth, stored.appended, `every record kept: ${JSON.stringify({ fwd: daemon.app.forwarder!.counters, hub: daemon.app.hub!.counters, outbox: stored })}`);
      hub = await TestHub.connect(broker.url);
      await hub.waitForUnique(stored.appended, 40_000);
      await until(() => daemon.app.outbox!.stats().depth === 0, 'the outbox to empty');
    } finally {
      await daemon.destroy();
      await hub?.close();
      await broker.stop();
    }
  });

  test('MQTT 3.1.1: the broker acknowledges batches nobody receives (why 5 is the default)', async () => {
    const broker = await startMosquitto();
    const daemon = await startTestDaemon(broker.url, { mqtt: { protocolVersion: 4 } });
    try {
      await until(() => daemon.app.hub!.online, 'the daemon to connect');
      await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 500, count: 10 });
      await until(() => daemon.app.outbox!.stats().appended >= 8 && daemon.app.outbox!.stats().depth === 0 && daemon.app.outbox!.stats().pending === 0, 'the records acknowledged');
      assert.is(daemon.app.forwarder!.counters.heldNoSubscriber, 0);
    } finally {
      await daemon.destroy();
      await broker.stop();
    }
  });
}

test('a broker that only speaks 3.1.1 (aedes) is spoken to in 3.1.1 at once', async () => {
  const broker = await startAedes();
  const daemon = await startTestDaemon(broker.url, { mqtt: { protocolVersion: 5, reconnectMin: '20s', reconnectMax: '30s' } });
  try {
    await until(() => daemon.app.hub!.online, 'the daemon to connect', 5000);
    assert.is(daemon.app.hub!.protocolVersion, 4);
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test.run();
