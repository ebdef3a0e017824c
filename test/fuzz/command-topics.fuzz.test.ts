// Fuzz tier, MQTT side: the whole daemon (aedes broker, real UDP forwarder simulator, a joined
// edge device with a codec) receives seeded random and mutated commands on every command topic it
// subscribes to (command/+: down, device, config and names it does not know), plus the issue's
// fixed cases. Properties: the daemon never crashes or drops its connection, nothing it publishes
// exceeds mqtt.maxPacketSize, every device-ack reason is bounded, every DownlinkTxAck is small,
// batches stay schema-valid, and uplinks keep flowing afterwards.
// Replay: LORA_EDGE_FUZZ_SEED=<seed printed below>; longer: LORA_EDGE_FUZZ_ITERATIONS=<n>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { assertValidBatch } from '../helpers/spine-scenarios.js';
import { fuzzFor, type Fuzz } from '../helpers/fuzz.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { DEMO_OTAA_STREET_LIGHT, demoStreetLightRegistryEntry } from '../../src/testing/demo-street-light.js';
import { publishPacketSize } from '../../src/mqtt/packet-size.js';
import { MAX_REASON_CHARS } from '../../src/bounded-text.js';
import { MAX_DOWNLINK_ITEMS } from '../../src/mqtt/chirpstack/downlink.js';
import { healthOf } from '../../src/ops/snapshot.js';

const MAX_PACKET = 16 * 1024;
const base = `eu868/gateway/${TEST_GATEWAY_ID}`;
const DEV_EUI = DEMO_OTAA_STREET_LIGHT.devEui;

function downlinkFrame(f: Fuzz): Record<string, unknown> {
  const item = () => {
    const lora: Record<string, unknown> = { bandwidth: 125000, spreadingFactor: f.int(7, 12), codeRate: 'CR_4_5', polarizationInversion: true };
    if (f.bool(0.3)) lora.preamble = f.int(0, 20);
    const txInfo: Record<string, unknown> = {
      frequency: f.pick([868_100_000, 868_590_000, 869_400_000, 869_525_000, 863_000_000, 870_000_000]),
      power: f.pick([14, 16, 27, 30]),
      modulation: { lora: f.bool(0.8) ? lora : f.mutate(lora) },
      timing: f.bool(0.7) ? { immediately: {} } : { delay: { delay: f.pick(['1s', '5s', f.text(6)]) } },
    };
    const it: Record<string, unknown> = { phyPayload: f.bytes(f.int(1, 60)).toString('base64'), txInfo: f.bool(0.7) ? txInfo : f.mutate(txInfo) };
    return f.bool(0.85) ? it : f.mutate(it);
  };
  const frame: Record<string, unknown> = {
    downlinkId: f.int(0, 2 ** 32 - 1),
    gatewayId: f.bool(0.9) ? TEST_GATEWAY_ID : f.text(20),
    items: Array.from({ length: f.pick([1, 1, 2, 3, 20, 500]) }, item),
  };
  return f.bool(0.7) ? frame : f.mutate(frame);
}

/** A well-formed class C style DownlinkFrame (JSON), for the fixed cases. */
function fixedDownlink(frequency: number, power: number, items = 1): Record<string, unknown> {
  const item = {
    phyPayload: Buffer.from('60f1000000000100', 'hex').toString('base64'),
    txInfo: {
      frequency,
      power,
      modulation: { lora: { bandwidth: 125000, spreadingFactor: 9, codeRate: 'CR_4_5', polarizationInversion: true } },
      timing: { immediately: {} },
    },
  };
  return { downlinkId: 4242, gatewayId: TEST_GATEWAY_ID, items: Array.from({ length: items }, () => item) };
}

function deviceCommand(f: Fuzz): Record<string, unknown> {
  const cmd: Record<string, unknown> = {
    id: f.bool(0.8) ? `c-${f.int(0, 1e9)}` : f.json(1),
    devEui: f.bool(0.8) ? DEV_EUI : f.pick([f.bytes(8).toString('hex'), f.text(20), 42]),
    fPort: f.pick([60, 1, 0, 224, -1, 1.5, 1e20]),
  };
  const data = () => {
    if (f.bool(0.5)) return { dimming_level__percent: f.pick([0, 40, 100, 101, -1, 1e20, 'resume', f.text(50)]) };
    return { destination: Array.from({ length: f.int(0, 300) }, () => ({ address: f.pick(['all_devices', 'dali_group_3', f.text(30)]), dimming_level__percent: f.number() })) };
  };
  if (f.bool(0.7)) cmd.data = data();
  else cmd.bytes = f.bool(0.8) ? f.bytes(f.int(0, 300)).toString('hex') : f.json(1);
  if (f.bool(0.3)) cmd.confirmed = f.json(0);
  if (f.bool(0.2)) for (let i = f.int(1, 3000); i > 0; i--) cmd[`junk_${i}_${f.text(8)}`] = f.json(0);
  return f.bool(0.8) ? cmd : f.mutate(cmd);
}

function randomCommand(f: Fuzz): [string, Buffer] {
  const name = f.pick(['down', 'down', 'device', 'device', 'device', 'config', 'exec', 'raw', f.text(10).replace(/[#+/\u0000]/g, '_') || 'x']);
  const shape = f.int(0, 9);
  if (shape === 0) return [name, f.bytes(f.int(0, f.bool(0.1) ? 200_000 : 300))];
  if (shape === 1) return [name, Buffer.from(JSON.stringify(f.json(4)) ?? 'null')];
  if (name === 'down') return [name, Buffer.from(JSON.stringify(downlinkFrame(f)))];
  return [name, Buffer.from(JSON.stringify(deviceCommand(f)))];
}

test('command topics: fixed cases from issue 18 and seeded random commands keep the daemon healthy and every message bounded', async () => {
  const f = fuzzFor('command topics', 300);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-fuzz-'));
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, `devices:\n${demoStreetLightRegistryEntry()}`, { mode: 0o600 });
  const broker = await startAedes();
  const events = await Collector.connect(broker.url, [`${base}/event/#`, `${base}/hub/#`]);
  const daemon = await startTestDaemon(broker.url, {
    mqtt: { marshaler: 'json', maxPacketSize: MAX_PACKET },
    devices: { registry },
    edge: { enabled: true, devAddrFrom: '260b0001', devAddrTo: '260b00ff' },
  });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  const commander = mqtt.connect(broker.url, { protocolVersion: 4 });
  try {
    await new Promise<void>((r) => commander.once('connect', () => r()));
    const deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sim.pullData();
    // A joined class C device with a codec, so device commands reach the codec and the radio.
    const device = new SimulatedOtaaDevice(DEMO_OTAA_STREET_LIGHT, 77);
    await sim.pushRxpk([makeRxpk({ payload: device.joinRequest(), tmst: 10_000_000, freqHz: 868_500_000, sf: 10 })]);
    const accept = await sim.nextPullResp(3000);
    assert.ok(accept, 'join accept sent');
    device.acceptJoin(txpkPayload(accept!.txpk));
    const closesAtStart = daemon.app.hub!.counters.closes;

    const send = (name: string, payload: Buffer | string) => commander.publishAsync(`${base}/command/${name}`, payload, { qos: 1 });
    const acks = () => events.on('/hub/device-ack').map((m) => JSON.parse(m.payload.toString()) as { id: unknown; status: string; reason?: string });
    const quiet = async () => {
      let last = -1;
      while (events.messages.length !== last) {
        last = events.messages.length;
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    // Item 1: thousands of unknown keys; a codec echoing 1e20 in 3000 destinations (the 1.1 MB ack).
    const unknownKeys: Record<string, unknown> = { id: 'fixed-unknown-keys', devEui: DEV_EUI, fPort: 60, bytes: '01' };
    for (let i = 0; i < 8000; i++) unknownKeys[`unknown_key_${i}`] = 0;
    await send('device', JSON.stringify(unknownKeys));
    const echo = { id: 'fixed-codec-echo', devEui: DEV_EUI, fPort: 60, data: { destination: Array.from({ length: 3000 }, () => ({ address: 'all_devices', dimming_level__percent: 1e20 })) } };
    await send('device', JSON.stringify(echo));
    // Item 9: channels spilling out of their sub-band are refused with TX_FREQ.
    await send('down', JSON.stringify(fixedDownlink(868_590_000, 14)));
    await send('down', JSON.stringify(fixedDownlink(869_400_000, 27)));
    // A DownlinkFrame with 5000 items would make a 5000-status ack: refused.
    await send('down', JSON.stringify(fixedDownlink(868_100_000, 14, 5000)));
    await quiet();
    const fixedAcks = acks();
    const keysAck = fixedAcks.find((a) => a.id === 'fixed-unknown-keys');
    assert.ok(keysAck && keysAck.status === 'failed' && /and \d+ more/.test(keysAck.reason!), JSON.stringify(keysAck));
    const echoAck = fixedAcks.find((a) => a.id === 'fixed-codec-echo');
    assert.ok(echoAck && echoAck.status === 'failed' && /100000000000000000000/.test(echoAck.reason!), JSON.stringify(echoAck));
    const txAcks = events.on('/event/ack').map((m) => JSON.parse(m.payload.toString()) as { items?: Array<{ status?: string }> });
    assert.equal(txAcks.slice(0, 2).map((a) => a.items?.[0]?.status), ['TX_FREQ', 'TX_FREQ']);
    assert.is(txAcks.length, 2, 'the 5000-item frame is refused, not acknowledged item by item');

    for (let i = 0; i < f.iterations; i++) {
      const [name, payload] = randomCommand(f);
      await send(name, payload);
      if (i % 50 === 49) await quiet();
    }
    await quiet();

    // Properties over everything the daemon published.
    for (const m of events.messages) {
      const size = publishPacketSize(m.topic, m.payload.length, 1);
      assert.ok(size <= MAX_PACKET, `seed ${f.seed}: ${m.topic} message of ${size} bytes`);
      if (m.topic.endsWith('/hub/device-ack')) {
        const ack = JSON.parse(m.payload.toString()) as { reason?: string };
        assert.ok((ack.reason ?? '').length <= MAX_REASON_CHARS, `seed ${f.seed}: reason of ${ack.reason?.length}`);
      }
      if (m.topic.endsWith('/event/ack')) {
        const ack = JSON.parse(m.payload.toString()) as { items?: unknown[] };
        assert.ok((ack.items ?? []).length <= MAX_DOWNLINK_ITEMS, `seed ${f.seed}: DownlinkTxAck with ${ack.items?.length} items`);
      }
      if (m.topic.endsWith('/hub/batch')) assertValidBatch(JSON.parse(m.payload.toString()));
    }
    const hub = daemon.app.hub!;
    assert.is(hub.counters.closes, closesAtStart, `seed ${f.seed}: the connection dropped`);
    assert.is(hub.counters.oversizeRefused, 0, `seed ${f.seed}: a message had to be refused for size`);
    assert.ok(hub.online);
    assert.equal(unhandled, [], `seed ${f.seed}: unhandled rejections`);
    const snap = daemon.app.snapshot();
    assert.not.ok(healthOf(snap).reasons.some((r) => /keeps dropping/.test(r)));
    console.log(`  [fuzz] ${events.messages.length} messages published; device commands ${JSON.stringify(snap.downlinks.edge?.commands)}; downlinks ${JSON.stringify(snap.downlinks.byStatus)}`);

    // Uplinks still flow after all that.
    const before = events.on('/hub/batch').length;
    await sim.pushRxpk([makeRxpk({ payload: Buffer.from('still alive'), tmst: 99 })]);
    await events.waitFor(() => events.on('/hub/batch').length > before, 'a batch after the fuzzing');
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await commander.endAsync(true);
    await sim.close();
    await daemon.destroy();
    await events.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
