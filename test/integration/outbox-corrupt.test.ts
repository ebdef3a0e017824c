// Scenario: a value in the store is corrupt (SD-card bit rot, a torn write). It is skipped and
// counted; every other record is delivered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Level } from 'level';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';
import { recordKey } from '../../src/outbox/keys.js';
import { outboxDir } from '../../src/app/storage-layout.js';

test('a corrupt stored record is skipped and counted, the rest delivered', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  proxy.down();
  const hub = await TestHub.connect(broker.url);
  const udpPort = await freeUdpPort();
  let daemon = await startTestDaemon(proxy.url, {}, { udpPort });
  const dir = daemon.dir;
  try {
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 500, count: 20 });
    await daemon.stop();

    const raw = new Level<Buffer, Buffer>(outboxDir(dir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await raw.open();
    assert.ok(await raw.get(recordKey(5)), 'record 5 was stored');
    await raw.put(recordKey(5), Buffer.from('{"seq":5,"capturedAt":'));
    await raw.put(recordKey(9), Buffer.from([0xff, 0x00, 0x13]));
    await raw.close();

    daemon = await startTestDaemon(proxy.url, {}, { dir, udpPort });
    proxy.up();
    await hub.waitForUnique(18);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hub.seqs(), [1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert.is(daemon.app.outbox!.stats().dropped.corrupt, 2);
  } finally {
    await daemon.destroy();
    await hub.close();
    await proxy.close();
    await broker.stop();
  }
});

test.run();
