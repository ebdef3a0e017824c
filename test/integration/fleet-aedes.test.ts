// Fleet provisioning through the in-process aedes broker (runs anywhere, no mosquitto): a bundle
// retained before the daemon starts is applied when it connects, the new device's uplink arrives at
// the hub decoded, and the gateway's retained state says which version it applied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { encodeBundle, makeEnvelope, BUNDLE_FORMAT } from '../../src/fleet/bundle-format.js';
import type { FleetState } from '../../src/fleet/fleet-state.js';
import { fleetBundleTopic, gatewayFleetTopic } from '../../src/mqtt/chirpstack/topics.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';

const KEY = '5c6d7e8f90a1b2c3d4e5f60718293a4b';
const PROFILE = ['id: city-light', 'vendor: City', 'model: L1', 'category: streetlight', 'codec: ./codecs/city-light.js', 'fPorts: [5]', 'class: A', 'region: EU868', 'description: t', ''].join('\n');

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('aedes: a retained bundle is applied on connect and its device decodes', async () => {
  const broker = await startAedes();
  const wire = encodeBundle(
    makeEnvelope({
      format: BUNDLE_FORMAT, formatVersion: 1, version: 'a1', scope: 'fleet', createdAt: new Date().toISOString(),
      profiles: [{ name: 'city-light.yaml', text: PROFILE }],
      codecs: [{ name: 'city-light.js', source: 'function decodeUplink(i) { return { data: { level: i.bytes[0] } }; }' }],
      devices: [{ devEui: '00000000000b0001', name: 'aedes-light', profile: 'city-light', owner: 'city', activation: { devAddr: '260b0001', nwkSKey: KEY, appSKey: KEY } }],
    }),
  );
  const hubSide = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  await hubSide.publishAsync(fleetBundleTopic('eu868'), wire, { qos: 1, retain: true });
  const states: FleetState[] = [];
  hubSide.on('message', (_t, p) => states.push(JSON.parse(p.toString()) as FleetState));
  await hubSide.subscribeAsync(gatewayFleetTopic('eu868', 'state'), { qos: 1 });
  const hub = await TestHub.connect(broker.url);
  const daemon = await startTestDaemon(broker.url, { fleet: { enabled: true } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, ackTimeoutMs: 1000 });
  try {
    await until(() => states.some((s) => s.fleet?.version === 'a1'), 'the state to report a1');
    assert.is(daemon.app.snapshot().fleet?.devices, 1);
    const phy = buildDataUplink({ devAddr: '260b0001', fCnt32: 1, fPort: 5, payload: Buffer.from([77]), nwkSKey: KEY, appSKey: KEY });
    await sim.pushRxpk([makeRxpk({ payload: phy, tmst: 1000 })]);
    await hub.waitForUnique(1);
    const record = hub.firstArrivals[0];
    assert.is(record.device?.devEui, '00000000000b0001');
    assert.equal(record.decoded?.data, { level: 77 });
  } finally {
    await sim.close();
    await daemon.destroy();
    await hub.close();
    await hubSide.endAsync();
    await broker.stop();
  }
});

test.run();
