// Serial concentrators through the whole daemon: each driver's simulator on one end of a socat pty,
// the daemon's serial source on the other; frames reach the broker as event/up and in the batches.
// Then the device is unplugged and plugged back: frames flow again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { TestHub } from '../helpers/hub.js';
import { ptyTest } from '../helpers/socat.js';
import { TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { App } from '../../src/app/app.js';
import { validateConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startSerialSimulator, type SerialSimulator } from '../../src/testing/serial/simulator.js';
import { SimulatedDevice, generatedDevices } from '../../src/testing/end-devices.js';
import type { SerialDriverName } from '../../src/radio/serial/serial-source.js';

const test = suite('serial sources through the daemon');
let cleanups: Array<() => Promise<void> | void> = [];
test.after.each(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const CHANNEL = { frequency: 868_300_000, spreadingFactor: 9, bandwidth: 125_000 };

async function setUp(driver: SerialDriverName): Promise<{ sim: SerialSimulator; app: App; collector: Collector; hub: TestHub; broker: TestBroker }> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-serial-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const broker = await startAedes();
  cleanups.push(() => broker.stop());
  const collector = await Collector.connect(broker.url, [`eu868/gateway/${TEST_GATEWAY_ID}/event/up`]);
  cleanups.push(() => collector.close());
  const hub = await TestHub.connect(broker.url);
  cleanups.push(() => hub.close());
  const device = new SimulatedDevice(generatedDevices(1)[0]);
  const sim = await startSerialSimulator({ driver, link: join(dir, 'tty'), intervalMs: 60, seed: 3, nextPayload: () => device.nextUplink() });
  cleanups.push(() => sim.close());
  const source = driver === 'semtech-2g4'
    ? { type: 'serial', driver, path: sim.hostPath }
    : { type: 'serial', driver, path: sim.hostPath, ...CHANNEL };
  const { config } = validateConfig(
    { gateway: { id: TEST_GATEWAY_ID }, sources: [source], mqtt: { url: broker.url }, storage: { dir: join(dir, 'data') }, ops: { http: { enabled: false } } },
    'test',
    {},
  );
  const app = new App({ config, logger: silentLogger() });
  await app.start();
  cleanups.push(() => app.stop());
  return { sim, app, collector, hub, broker };
}

for (const driver of ['lora-e5', 'rak3172', 'rn2483', 'semtech-2g4'] as const) {
  ptyTest(test, `${driver}: LoRaWAN frames reach event/up and the batches; unplugged and back, they flow again`, async () => {
    const { sim, app, collector, hub } = await setUp(driver);
    await collector.waitFor(() => collector.messages.length >= 3, 'three event/up messages', 15_000);
    const up = gw.UplinkFrame.deserializeBinary(new Uint8Array(collector.messages[0].payload));
    const payload = Buffer.from(up.getPhyPayload_asU8());
    assert.ok(sim.emitted.some((p) => p.payload.equals(payload)), 'the payload the simulated device sent');
    assert.is(up.getRxInfo()!.getGatewayId(), TEST_GATEWAY_ID);
    assert.is(up.getRxInfo()!.getMetadataMap().get('source'), `serial:${sim.hostPath}`);
    if (driver === 'semtech-2g4') {
      assert.ok([2_403_000_000, 2_425_000_000, 2_479_000_000].includes(up.getTxInfo()!.getFrequency()), 'an ISM2400 channel');
      assert.is(up.getTxInfo()!.getModulation()!.getLora()!.getCodeRate(), gw.CodeRate.CR_LI_4_8);
      assert.is(up.getRxInfo()!.getContext_asU8().length, 5, 'source index + the MCU µs counter as context');
    } else {
      assert.is(up.getTxInfo()!.getFrequency(), CHANNEL.frequency);
      assert.is(up.getTxInfo()!.getModulation()!.getLora()!.getSpreadingFactor(), CHANNEL.spreadingFactor);
    }
    await hub.waitForUnique(3, 15_000);
    assert.is(hub.firstArrivals[0].lorawan.mType, 'UnconfirmedDataUp');
    assert.is(hub.firstArrivals[0].radio.source, `serial:${sim.hostPath}`);

    await sim.disconnect(800);
    const before = collector.messages.length;
    const replugged = Date.now();
    await collector.waitFor(() => collector.messages.length >= before + 3, 'frames after the device came back', 15_000);
    assert.ok(Date.now() - replugged < 10_000);
    assert.ok(app.sources[0].counters().reopens >= 1, 'the source reopened the device');
    assert.match(app.sources[0].state(), /receiving/);
  });
}

test.run();
