// mosquitto, with Debian's default queue limit (1,000 messages per offline client), acknowledges
// every batch and then silently drops what does not fit the queue of a hub that is away: the daemon
// sees PUBACKs, deletes the records, and they are gone (issue 10, report 2: the long drain that
// "stopped" at the hub). With batch.hubAck the daemon waits for the hub's own word: at most `window`
// batches wait at the broker, nothing is dropped, everything arrives once the hub is back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMosquitto, systemTier } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { HubSubscriber } from '../helpers/faults/hub-subscriber.js';
import { batchFilter } from '../../src/mqtt/chirpstack/topics.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

const tier = systemTier('mosquitto');
/** Frames sent while the hub is away, in batches of 5: about 1,600 batches, more than the queue holds. */
const FRAMES = 8000;

async function until(check: () => boolean, what: string, timeoutMs = 60_000, state?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}${state ? `: ${state()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function hubAwayDuringTraffic(hubAck: boolean): Promise<{ stored: number; received: number; daemon: TestDaemon['app']['forwarder'] }> {
  const broker = await startMosquitto({ extraConfig: ['max_queued_messages 1000'] });
  const hub = await HubSubscriber.connect(broker.url, batchFilter('eu868'), `hub-overflow-${hubAck}`, 4, hubAck ? { ackPrefix: 'eu868' } : {});
  const daemon = await startTestDaemon(broker.url, {
    batch: { maxRecords: 5, hubAck: { enabled: hubAck, timeout: '3s', window: 32 } },
  });
  try {
    await until(() => daemon.app.hub!.online, 'the daemon to connect');
    await hub.goOffline();
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(20), rate: 4000, count: FRAMES });
    await daemon.app.outbox!.flush();
    const stored = daemon.app.outbox!.stats().appended;
    // Without hub acks the daemon is done as soon as the broker has taken everything.
    if (!hubAck) await until(() => daemon.app.outbox!.stats().depth === 0, 'the broker to take every batch');
    await hub.comeBack();
    await until(() => daemon.app.outbox!.stats().depth === 0 || (!hubAck && hub.seqCount.size > 0), 'the outbox to empty', 60_000, () =>
      JSON.stringify({ outbox: daemon.app.outbox!.stats().depth, hub: { received: hub.seqCount.size, batches: hub.batches, acks: hub.acksSent }, fwd: daemon.app.forwarder!.counters, mqtt: daemon.app.hub!.counters, online: daemon.app.hub!.online }));
    // Let what the broker still queues arrive.
    let last = -1;
    while (hub.seqCount.size !== last) {
      last = hub.seqCount.size;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { stored, received: hub.seqCount.size, daemon: daemon.app.forwarder };
  } finally {
    await daemon.destroy();
    await hub.close();
    await broker.stop();
  }
}

if (!tier.available && !tier.required) {
  console.log('skipped: mosquitto is not installed (apt-get install mosquitto)');
} else {
  test('without hub acknowledgements, a broker queue overflow loses batches the broker acknowledged', async () => {
    const r = await hubAwayDuringTraffic(false);
    console.log(`hubAck off: ${r.stored} stored, ${r.received} reached the hub`);
    assert.ok(r.stored > 7000, `traffic arrived (${r.stored})`);
    assert.ok(r.received < r.stored, 'the broker dropped some (if this fails, mosquitto no longer drops on a full queue)');
  });

  test('with hub acknowledgements, the same outage loses nothing', async () => {
    const r = await hubAwayDuringTraffic(true);
    console.log(`hubAck on: ${r.stored} stored, ${r.received} reached the hub; ${JSON.stringify(r.daemon!.counters)}`);
    assert.ok(r.stored > 7000, `traffic arrived (${r.stored})`);
    assert.is(r.received, r.stored, 'every stored record reached the hub');
    assert.ok(r.daemon!.counters.hubAcked > 0);
    assert.is(r.daemon!.counters.gapsDetected, 0, 'no seq gap');
    assert.is(r.daemon!.counters.recordsAcked, r.stored, 'each record counted delivered once');
  });
}

test.run();
