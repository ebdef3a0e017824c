// A good citizen of a city network, against mosquitto (system tier): a ChirpStack-style subscriber on
// <prefix>/gateway/+/event/+ sees only up, stats and ack (batches are on hub/, or back on event/ with
// mqtt.legacyHubTopics); stats over three intervals add up to what was sent and transmitted; the
// uplink filters keep exactly what they should (random DevAddrs and prefixes, seeded).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { startMosquitto, systemTier, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { ABP } from '../helpers/spine-scenarios.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataDownlink, buildDataUplink, buildJoinRequest } from '../../src/lorawan/builders.js';
import { toDownlinkFrame } from '../../src/mqtt/chirpstack.js';
import { batchFilter, chirpstackEventFilter } from '../../src/mqtt/chirpstack/topics.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';

const PREFIX = 'eu868';
const BASE = `${PREFIX}/gateway/${TEST_GATEWAY_ID}`;
const tier = systemTier('mosquitto');
const citizen = suite<{ broker?: TestBroker }>('a good citizen of a city network (mosquitto)');
citizen.before.each(async (ctx) => {
  if (tier.available) ctx.broker = await startMosquitto();
});
citizen.after.each(async (ctx) => {
  await ctx.broker?.stop();
});
/** Registers a test, or a skip when mosquitto is missing and the tier is not required. */
function scenario(name: string, run: (ctx: { broker?: TestBroker }) => Promise<void>): void {
  if (!tier.available && !tier.required) citizen.skip(`${name} (mosquitto not installed)`);
  else citizen(name, run);
}

async function online(daemon: TestDaemon): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(daemon.app.hub!.online, 'daemon connected');
}

const records = (c: Collector, suffix: string) => c.on(suffix).flatMap((m) => (JSON.parse(m.payload.toString()) as HubBatch).records);
const stats = (c: Collector) => c.on('/event/stats').map((m) => gw.GatewayStats.deserializeBinary(new Uint8Array(m.payload)));

/** One uplink, its event/up context, and a class-A answer the packet forwarder acknowledges OK. */
async function uplinkAndDownlink(sim: PacketForwarderSim, ns: mqtt.MqttClient, chirpstack: Collector): Promise<void> {
  await sim.pullData();
  await sim.pushRxpk([makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 1, fPort: 1, payload: Buffer.from([1]) }), tmst: 1000, freqHz: 868_300_000, sf: 9 })]);
  await chirpstack.waitFor(() => chirpstack.on('/event/up').length > 0, 'event/up');
  const up = gw.UplinkFrame.deserializeBinary(new Uint8Array(chirpstack.on('/event/up')[0].payload));
  const frame = toDownlinkFrame({
    gatewayId: TEST_GATEWAY_ID,
    downlinkId: 77,
    items: [{ phyPayload: buildDataDownlink({ ...ABP, fCnt32: 0, fPort: 1, payload: Buffer.from([0xaa]) }), txInfo: {
      frequency: 868_300_000, power: 14, board: 0, antenna: 0, context: Buffer.from(up.getRxInfo()!.getContext_asU8()),
      modulation: { kind: 'LORA', spreadingFactor: 9, bandwidth: 125_000, codeRate: '4/5', polarizationInversion: true } as never,
      timing: { kind: 'delay', delayMs: 1000 } } }],
  });
  ns.publish(`${BASE}/command/down`, Buffer.from(frame.serializeBinary()), { qos: 1 });
  await chirpstack.waitFor(() => chirpstack.on('/event/ack').length > 0, 'event/ack', 10_000);
}

scenario('a ChirpStack subscriber on event/+ sees only up, stats and ack; batches are on hub/batch (event/batch with legacyHubTopics)', async ({ broker }) => {
  assert.ok(broker, 'mosquitto is required for the system tier');
  for (const legacy of [false, true]) {
    const chirpstack = await Collector.connect(broker!.url, [chirpstackEventFilter(PREFIX)]);
    const hub = await Collector.connect(broker!.url, [batchFilter(PREFIX, '+', { legacyHubTopics: legacy })]);
    const daemon = await startTestDaemon(broker!.url, { mqtt: { topicPrefix: PREFIX, legacyHubTopics: legacy }, ops: { statsSchedule: '* * * * * *' } });
    const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
    const ns = mqtt.connect(broker!.url, { protocolVersion: 4 });
    try {
      await online(daemon);
      await uplinkAndDownlink(sim, ns, chirpstack);
      await chirpstack.waitFor(() => chirpstack.on('/event/stats').length > 0, 'event/stats', 5000);
      await hub.waitFor(() => hub.messages.length > 0, 'a batch');
      const kinds = new Set(chirpstack.messages.map((m) => m.topic.slice(m.topic.lastIndexOf('/') + 1)));
      if (!legacy) assert.equal([...kinds].sort(), ['ack', 'stats', 'up'], `ChirpStack saw only its own event types, got ${[...kinds].join(', ')}`);
      else assert.ok(kinds.has('batch'), 'legacyHubTopics: batches where they used to be, under event/');
      assert.is(hub.messages[0].topic, legacy ? `${BASE}/event/batch` : `${BASE}/hub/batch`);
    } finally {
      await ns.endAsync();
      await sim.close();
      await daemon.destroy();
      await chirpstack.close();
      await hub.close();
    }
  }
});

scenario('stats over three intervals add up to what was received and transmitted (per frequency, modulation, status), with the location', async ({ broker }) => {
  assert.ok(broker, 'mosquitto is required for the system tier');
  const chirpstack = await Collector.connect(broker!.url, [chirpstackEventFilter(PREFIX)]);
  const daemon = await startTestDaemon(broker!.url, {
    mqtt: { topicPrefix: PREFIX },
    ops: { statsSchedule: '* * * * * *' },
    gateway: { location: { latitude: 52.52, longitude: 13.405, altitude: 34 } },
  });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  const ns = mqtt.connect(broker!.url, { protocolVersion: 4 });
  try {
    await online(daemon);
    await uplinkAndDownlink(sim, ns, chirpstack); // 1 frame at 868.3 MHz SF9, 1 transmission OK
    let sent = 1;
    let ok = 1;
    const perFreq = new Map<number, number>([[868_300_000, 1]]);
    let fCnt = 10;
    for (const [burst, freqHz, sf] of [[5, 868_100_000, 7], [7, 868_500_000, 12], [3, 868_100_000, 7]] as const) {
      // A burst, then wait until the stats have reported all of it: each burst falls in its own interval(s).
      const rxpks = Array.from({ length: burst }, (_, i) =>
        makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: fCnt++, fPort: 1, payload: Buffer.from([i]) }), freqHz, sf, stat: i === 0 ? 'bad' : 'ok' }));
      await sim.pushRxpk(rxpks);
      sent += burst;
      ok += burst - 1;
      perFreq.set(freqHz, (perFreq.get(freqHz) ?? 0) + burst);
      const total = sent;
      await chirpstack.waitFor(() => stats(chirpstack).reduce((n, s) => n + s.getRxPacketsReceived(), 0) >= total, `stats adding up to ${total}`, 10_000);
    }
    const all = stats(chirpstack);
    const sum = (f: (s: InstanceType<typeof gw.GatewayStats>) => number) => all.reduce((n, s) => n + f(s), 0);
    assert.ok(all.filter((s) => s.getRxPacketsReceived() > 0).length >= 3, 'at least three intervals with frames');
    assert.is(sum((s) => s.getRxPacketsReceived()), sent, 'per interval, not running totals');
    assert.is(sum((s) => s.getRxPacketsReceivedOk()), ok);
    assert.is(sum((s) => s.getTxPacketsReceived()), 1);
    assert.is(sum((s) => s.getTxPacketsEmitted()), 1);
    assert.is(sum((s) => s.getTxPacketsPerStatusMap().get('OK') ?? 0), 1);
    assert.is(sum((s) => s.getTxPacketsPerFrequencyMap().get(868_300_000) ?? 0), 1);
    for (const [freq, n] of perFreq) assert.is(sum((s) => s.getRxPacketsPerFrequencyMap().get(freq) ?? 0), n, `rx at ${freq}`);
    const bySf = new Map<number, number>();
    for (const s of all) for (const m of s.getRxPacketsPerModulationList()) {
      const sf = m.getModulation()!.getLora()!.getSpreadingFactor();
      bySf.set(sf, (bySf.get(sf) ?? 0) + m.getCount());
    }
    assert.equal([...bySf].sort((a, b) => a[0] - b[0]), [[7, 8], [9, 1], [12, 7]]);
    const loc = all.at(-1)!.getLocation()!;
    assert.ok(Math.abs(loc.getLatitude() - 52.52) < 1e-9 && Math.abs(loc.getLongitude() - 13.405) < 1e-9 && loc.getAltitude() === 34, 'gateway.location');
    assert.ok(all.at(-1)!.getMetadataMap().get('outbox_depth') !== undefined, 'outbox figures in metadata');

    // The forwarder's own GPS position wins over the configured one.
    await sim.pushStat({ time: '2026-12-06 10:00:00 GMT', lati: 48.1, long: 11.5, alti: 520, rxnb: 0, rxok: 0, rxfw: 0, ackr: 100, dwnb: 0, txnb: 0 });
    const before = all.length;
    await chirpstack.waitFor(() => stats(chirpstack).length > before + 1, 'stats after the stat');
    const gps = stats(chirpstack).at(-1)!.getLocation()!;
    assert.ok(Math.abs(gps.getLatitude() - 48.1) < 1e-9 && gps.getAltitude() === 520, 'forwarder stat location');
  } finally {
    await ns.endAsync();
    await sim.close();
    await daemon.destroy();
    await chirpstack.close();
  }
});

/** Bit-string reference for a prefix, independent of the code under test. */
function refMatch(valueHex: string, prefix: string): boolean {
  const [p, bits] = prefix.replace('!', '').split('/');
  const b = (h: string) => [...h].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  return b(valueHex).slice(0, Number(bits)) === b(p).slice(0, Number(bits));
}
function refPasses(valueHex: string, entries: string[]): boolean {
  const inc = entries.filter((e) => !e.startsWith('!'));
  return (inc.length === 0 || inc.some((e) => refMatch(valueHex, e))) && !entries.some((e) => e.startsWith('!') && refMatch(valueHex, e));
}

scenario('filters keep exactly what they should: batches by DevAddr prefix, live by JoinEUI prefix, counted by reason', async ({ broker }) => {
  assert.ok(broker, 'mosquitto is required for the system tier');
  const rnd = seededRandom(seedFromEnv('LORA_EDGE_FUZZ_SEED', 'filters over mosquitto'));
  const devAddrs = Array.from({ length: 30 }, (_, i) => (i < 10 ? `26${rnd.bytes(3).toString('hex')}` : rnd.bytes(4).toString('hex')));
  const base = devAddrs[0];
  const batchPrefixes = ['26000000/7', `!${base.slice(0, 6)}00/24`, `${rnd.bytes(4).toString('hex')}/${rnd.int(0, 4)}`];
  const joinEuis = Array.from({ length: 8 }, (_, i) => (i < 4 ? `70b3d57ed0${rnd.bytes(3).toString('hex')}` : rnd.bytes(8).toString('hex')));
  const livePrefixes = ['!70b3d57ed0000000/40'];
  const chirpstack = await Collector.connect(broker!.url, [`${BASE}/event/up`]);
  const hub = await Collector.connect(broker!.url, [batchFilter(PREFIX)]);
  const daemon = await startTestDaemon(broker!.url, {
    mqtt: { topicPrefix: PREFIX },
    filters: { batch: { devAddrPrefixes: batchPrefixes }, live: { joinEuiPrefixes: livePrefixes } },
  });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  try {
    await online(daemon);
    const phys = [
      ...devAddrs.map((devAddr, i) => buildDataUplink({ devAddr, nwkSKey: ABP.nwkSKey, appSKey: ABP.appSKey, fCnt32: i, fPort: 1, payload: Buffer.from([i]) })),
      ...joinEuis.map((joinEui, i) => buildJoinRequest({ joinEui, devEui: rnd.bytes(8).toString('hex'), devNonce: i, appKey: ABP.nwkSKey })),
    ];
    for (let i = 0; i < phys.length; i += 8) await sim.pushRxpk(phys.slice(i, i + 8).map((payload) => makeRxpk({ payload })));
    const keptDevAddrs = devAddrs.filter((d) => refPasses(d, batchPrefixes));
    const liveJoins = joinEuis.filter((j) => refPasses(j, livePrefixes));
    const expectBatch = keptDevAddrs.length + joinEuis.length;
    const expectLive = devAddrs.length + liveJoins.length;
    await hub.waitFor(() => records(hub, '/hub/batch').length >= expectBatch, `${expectBatch} batched records`);
    await chirpstack.waitFor(() => chirpstack.on('/event/up').length >= expectLive, `${expectLive} live frames`);
    await new Promise((r) => setTimeout(r, 300));
    const batched = records(hub, '/hub/batch');
    assert.equal(batched.filter((r) => r.lorawan.devAddr).map((r) => r.lorawan.devAddr).sort(), [...keptDevAddrs].sort(), `seed ${rnd.seed}`);
    assert.is(batched.filter((r) => r.lorawan.joinEui).length, joinEuis.length, 'join requests pass DevAddr filters');
    const liveUps = chirpstack.on('/event/up').map((m) => Buffer.from(gw.UplinkFrame.deserializeBinary(new Uint8Array(m.payload)).getPhyPayload_asU8()));
    assert.is(liveUps.length, expectLive, `seed ${rnd.seed}`);
    assert.is(liveUps.filter((p) => p[0] >> 5 === 0).length, liveJoins.length, 'join requests with an excluded JoinEUI kept off the live stream');
    const filtered = daemon.app.snapshot().pipeline.filtered!;
    assert.is(filtered.batch.dev_addr ?? 0, devAddrs.length - keptDevAddrs.length);
    assert.is(filtered.live.join_eui ?? 0, joinEuis.length - liveJoins.length);
  } finally {
    await sim.close();
    await daemon.destroy();
    await chirpstack.close();
    await hub.close();
  }
});

citizen.run();
