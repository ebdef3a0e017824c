// End to end: simulated street light, parking and air sensors (real vendor payloads, ABP) -> UDP ->
// daemon -> decoded data and device identity in the batches on the broker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';
import { findBuiltinCodec, runBuiltinDecode } from '../../src/codecs/builtin/index.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';

test('decoded payloads and device identity reach the hub in the batches', async () => {
  const broker = await startAedes();
  const hub = await TestHub.connect(broker.url);
  const cfgDir = mkdtempSync(join(tmpdir(), 'lora-edge-reg-'));
  const registry = join(cfgDir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml(DEMO_FLEET), { mode: 0o600 });
  const daemon = await startTestDaemon(broker.url, { devices: { registry } });
  try {
    const rounds = 3;
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: DEMO_FLEET, rate: 200, count: DEMO_FLEET.length * rounds });
    await hub.waitForUnique(DEMO_FLEET.length * rounds);
    const records = hub.firstArrivals;
    for (let i = 0; i < records.length; i++) {
      const spec = DEMO_FLEET[i % DEMO_FLEET.length];
      const n = Math.floor(i / DEMO_FLEET.length);
      const r = records[i];
      assert.equal(r.device, { devEui: spec.devEui, name: spec.name, profile: spec.profile, owner: spec.owner }, `record ${r.seq}`);
      assert.is(r.lorawan.micValid, true);
      assert.is(r.lorawan.fCntReplay, false);
      assert.is(r.lorawan.fCnt, n);
      const expected = runBuiltinDecode(findBuiltinCodec(spec.profile)!, {
        bytes: [...spec.payload(n)], fPort: spec.fPort, recvTime: new Date(r.capturedAt),
      });
      assert.equal(r.decoded, { codec: spec.profile, data: expected.data, warnings: expected.warnings, errors: expected.errors });
      assert.ok(r.decoded!.data !== null && r.decoded!.errors.length === 0, `${spec.profile} decoded without errors`);
    }
    const categories = new Set(records.map((r) => r.device!.profile));
    assert.ok(categories.has('nasys-ul20xx') && categories.has('nwave-nps405') && categories.has('elsys-ers'));

    // A frame with a registered DevAddr but a wrong key: neither attributed nor decoded.
    const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID });
    const forged = buildDataUplink({ devAddr: DEMO_FLEET[0].devAddr, fCnt32: 50, fPort: 26, payload: Buffer.from([1, 2, 3]),
      nwkSKey: '00'.repeat(16), appSKey: '00'.repeat(16) });
    await sim.pushRxpk([makeRxpk({ payload: forged })]);
    await sim.close();
    await hub.waitForUnique(records.length + 1);
    const last = hub.firstArrivals[hub.firstArrivals.length - 1];
    assert.is(last.lorawan.micValid, false);
    assert.is(last.device, null);
    assert.is(last.decoded, null);
    assert.is(last.lorawan.devAddr, DEMO_FLEET[0].devAddr);
    const snap = daemon.app.snapshot();
    assert.is(snap.devices!.micFailures, 1);
    assert.is(snap.devices!.decoded['nasys-ul20xx'], rounds);
  } finally {
    await daemon.destroy();
    await hub.close();
    await broker.stop();
    rmSync(cfgDir, { recursive: true, force: true });
  }
});

test.run();
