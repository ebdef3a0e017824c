// Edge mode through the whole daemon: a registered OTAA street light joins over the packet
// forwarder, its uplinks are decoded, and a dimming command published by the hub on command/device
// reaches it (class C) with queued/sent events on hub/device-ack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { TestHub } from '../helpers/hub.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { DEMO_OTAA_STREET_LIGHT, demoStreetLightRegistryEntry } from '../../src/testing/demo-street-light.js';
import { streetLightUsagePayload } from '../../src/testing/device-payloads.js';

test('OTAA join at the edge, decoded uplink, hub command -> class C downlink -> device-ack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-edge-'));
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, `devices:\n${demoStreetLightRegistryEntry()}`, { mode: 0o600 });
  const broker = await startAedes();
  const base = `eu868/gateway/${TEST_GATEWAY_ID}`;
  const acks = await Collector.connect(broker.url, [`${base}/hub/device-ack`]);
  const hub = await TestHub.connect(broker.url);
  const daemon = await startTestDaemon(broker.url, { devices: { registry }, edge: { enabled: true, devAddrFrom: '260b0001', devAddrTo: '260b00ff' } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  const commander = mqtt.connect(broker.url, { protocolVersion: 4 });
  try {
    await new Promise<void>((r) => commander.once('connect', () => r()));
    const deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sim.pullData();
    const device = new SimulatedOtaaDevice(DEMO_OTAA_STREET_LIGHT, 77);
    await sim.pushRxpk([makeRxpk({ payload: device.joinRequest(), tmst: 10_000_000, freqHz: 868_500_000, sf: 10 })]);
    const accept = await sim.nextPullResp(3000);
    assert.ok(accept, 'join accept sent');
    assert.is(accept!.txpk.tmst, 15_000_000, 'RX1 of the join: 5 s after the request');
    assert.is(accept!.txpk.freq, 868.5);
    assert.is(accept!.txpk.datr, 'SF10BW125');
    const fields = device.acceptJoin(txpkPayload(accept!.txpk));
    assert.match(fields.devAddrHex, /^260b00/);

    await sim.pushRxpk([makeRxpk({ payload: device.uplink({ fPort: 26, payload: streetLightUsagePayload(0) }), tmst: 20_000_000 })]);
    await hub.waitForUnique(2);
    const data = hub.firstArrivals[1];
    assert.is(data.device?.devEui, DEMO_OTAA_STREET_LIGHT.devEui);
    assert.is(data.lorawan.micValid, true);
    assert.is(data.decoded?.codec, 'nasys-ul20xx');
    assert.ok(data.decoded?.data);

    const command = { id: 'dim-1', devEui: DEMO_OTAA_STREET_LIGHT.devEui, fPort: 60, data: { dimming_level__percent: 40 } };
    commander.publish(`${base}/command/device`, JSON.stringify(command), { qos: 1 });
    const down = await sim.nextPullResp(3000);
    assert.ok(down, 'class C: the command goes out at once');
    assert.is(down!.txpk.imme, true);
    assert.is(down!.txpk.freq, 869.525, 'on RX2 parameters');
    const received = device.receive(txpkPayload(down!.txpk));
    assert.is(received.fPort, 60);
    assert.equal([...received.payload], [0x01, 0xff, 40], 'manual dimming, all devices, 40 %');
    await acks.waitFor(() => acks.messages.length >= 2, 'queued and sent events');
    const events = acks.messages.map((m) => JSON.parse(m.payload.toString()));
    assert.equal(events.map((e) => [e.id, e.status]), [['dim-1', 'queued'], ['dim-1', 'sent']]);

    commander.publish(`${base}/command/device`, JSON.stringify({ id: 'bad-1', devEui: '0000000000000001', fPort: 1, bytes: '01' }), { qos: 1 });
    await acks.waitFor(() => acks.messages.length >= 3, 'failed event');
    const failed = JSON.parse(acks.messages[2].payload.toString());
    assert.equal([failed.id, failed.status], ['bad-1', 'failed']);
    assert.match(failed.reason, /0000000000000001/, `reason names the device: ${failed.reason}`);
    assert.match(failed.reason, /not in the device registry|unknown|not registered/i, failed.reason);
  } finally {
    await commander.endAsync(true);
    await sim.close();
    await daemon.destroy();
    await hub.close();
    await acks.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
