// Hostile hub commands and big backlogs against a real mosquitto with max_packet_size 128 KiB (what
// cloud brokers allow). Before the fix, the device-ack of a command with thousands of unknown keys
// and the 256 KiB batches of a backlog were larger than the broker accepts: the broker closed the
// connection, mqtt.js re-sent the packet after every reconnect, and the link never recovered.
// Now: the ack is short, every batch fits, the link never drops and the backlog is delivered.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startMosquitto, systemTier, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import { assertValidBatch } from '../helpers/spine-scenarios.js';
import { HubClient } from '../../src/mqtt/hub-client.js';
import { silentLogger } from '../../src/log.js';
import { healthOf } from '../../src/ops/snapshot.js';
import { waitFor } from '../helpers/hub-ingest.js';

const BROKER_LIMIT = 128 * 1024;
const base = `eu868/gateway/${TEST_GATEWAY_ID}`;
const tier = systemTier('mosquitto');

interface Ctx {
  broker?: TestBroker;
  daemon?: TestDaemon;
  collector?: Collector;
  sim?: PacketForwarderSim;
}
const it = suite<Ctx>('MQTT packet limit against mosquitto max_packet_size');

it.after.each(async (ctx) => {
  await ctx.sim?.close();
  await ctx.daemon?.destroy();
  await ctx.collector?.close();
  await ctx.broker?.stop();
});

/** ~120 KB of JSON: thousands of unknown keys, each echoed in the old device-ack reason. */
function hostileDeviceCommand(): string {
  const cmd: Record<string, unknown> = { id: 'hostile-1', devEui: '0102030405060708', bytes: '01', fPort: 1 };
  for (let i = 0; cmd && JSON.stringify(cmd).length < 120_000; i++) {
    for (let j = 0; j < 100; j++) cmd[`unknown_key_${i * 100 + j}`] = 0;
  }
  return JSON.stringify(cmd);
}

const run = tier.available || tier.required ? it : it.skip;

run('a hostile command/device and a 600-frame backlog: acks and batches fit, the link keeps delivering', async (ctx) => {
  assert.ok(tier.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
  const broker = await startMosquitto({ extraConfig: [`max_packet_size ${BROKER_LIMIT}`] });
  ctx.broker = broker;
  // The backlog builds up while the broker is away, so the first batches are as large as allowed.
  await broker.stop();
  const daemon = await startTestDaemon(broker.url, { mqtt: { maxPacketSize: BROKER_LIMIT } });
  ctx.daemon = daemon;
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  ctx.sim = sim;
  const FRAMES = 600;
  for (let i = 0; i < FRAMES; i += 20) {
    const rxpks = [];
    for (let j = i; j < i + 20; j++) rxpks.push(makeRxpk({ payload: Buffer.alloc(200, j & 0xff).fill(j >> 8, 0, 1), tmst: j }));
    await sim.pushRxpk(rxpks);
  }
  await waitFor('the backlog in the outbox', () => daemon.app.outbox!.stats().depth === FRAMES);
  await broker.restart();
  const collector = await Collector.connect(broker.url, [`${base}/event/#`, `${base}/hub/#`]);
  ctx.collector = collector;
  await waitFor('the daemon connected', () => daemon.app.hub!.online);
  const closesWhenConnected = daemon.app.hub!.counters.closes;

  // The hub sends the hostile command (it fits the broker's limit, its old echo did not).
  const command = hostileDeviceCommand();
  assert.ok(command.length > 100_000 && command.length < BROKER_LIMIT - 1000, `command is ${command.length} bytes`);
  await collector.client.publishAsync(`${base}/command/device`, command, { qos: 1 });

  await collector.waitFor(() => collector.on('/hub/device-ack').length >= 1, 'the device-ack', 15_000);
  const records = () => collector.on('/hub/batch').flatMap((m) => (JSON.parse(m.payload.toString()) as HubBatch).records);
  await collector.waitFor(() => records().length >= FRAMES, `${FRAMES} records in batches`, 30_000);

  const ack = JSON.parse(collector.on('/hub/device-ack')[0].payload.toString());
  assert.is(ack.status, 'failed');
  assert.is(ack.id, 'hostile-1');
  assert.match(ack.reason, /unknown keys "unknown_key_0", .* and \d+ more/);
  assert.ok(ack.reason.length <= 1024, `reason is ${ack.reason.length} characters`);

  const batches = collector.on('/hub/batch');
  assert.ok(batches.length >= 3, `the ~400 KB backlog needs several batches, got ${batches.length}`);
  for (const b of batches) {
    assert.ok(b.payload.length + b.topic.length + 10 <= BROKER_LIMIT, `batch of ${b.payload.length} bytes`);
    assertValidBatch(JSON.parse(b.payload.toString()));
  }
  assert.equal([...new Set(records().map((r) => r.seq))].length, FRAMES, 'every record delivered');

  // Uplinks after the command still arrive: the link is healthy, it never dropped.
  await sim.pushRxpk([makeRxpk({ payload: Buffer.from('after the command') })]);
  await collector.waitFor(() => records().length >= FRAMES + 1, 'the uplink after the command');
  const mqtt = daemon.app.snapshot().mqtt;
  assert.is(mqtt.closes, closesWhenConnected, `the connection never closed once up: ${JSON.stringify(mqtt)}`);
  assert.is(mqtt.connects, 1);
  assert.is(mqtt.oversizeRefused, 0);
  assert.is(mqtt.connected, true);
});

run('a message over the limit is refused before it reaches the broker, counted once, and the link stays up', async (ctx) => {
  assert.ok(tier.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
  const broker = await startMosquitto({ extraConfig: [`max_packet_size ${BROKER_LIMIT}`] });
  ctx.broker = broker;
  const daemon = await startTestDaemon(broker.url, { mqtt: { maxPacketSize: BROKER_LIMIT } });
  ctx.daemon = daemon;
  const collector = await Collector.connect(broker.url, [`${base}/event/#`, `${base}/hub/#`]);
  ctx.collector = collector;
  await waitFor('the daemon connected', () => daemon.app.hub!.online);
  const hub = daemon.app.hub!;
  const err = await hub.publish(`${base}/hub/device-ack`, Buffer.alloc(BROKER_LIMIT, 0x20), 1).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(err, Error);
  assert.match(err!.message, /exceeds the MQTT packet limit/);
  assert.is(hub.counters.oversizeRefused, 1);
  await hub.publish(`${base}/hub/device-ack`, '{"small":true}', 1);
  await collector.waitFor(() => collector.on('/hub/device-ack').length === 1, 'the small message');
  assert.is(hub.counters.closes, 0, 'the connection never closed');
});

run('broker limit below ours (MQTT 3.1.1, nothing announced): the re-send loop is detected, broken, and batches shrink to fit', async (ctx) => {
  assert.ok(tier.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
  const brokerLimit = 16 * 1024;
  const broker = await startMosquitto({ extraConfig: [`max_packet_size ${brokerLimit}`] });
  ctx.broker = broker;
  await broker.stop();
  // Misconfigured on purpose: we believe the broker takes 128 KiB.
  const daemon = await startTestDaemon(broker.url, { mqtt: { maxPacketSize: 128 * 1024, protocolVersion: 4 } });
  ctx.daemon = daemon;
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  ctx.sim = sim;
  const FRAMES = 200;
  for (let i = 0; i < FRAMES; i += 20) {
    const rxpks = [];
    for (let j = i; j < i + 20; j++) rxpks.push(makeRxpk({ payload: Buffer.alloc(200, j & 0xff), tmst: j }));
    await sim.pushRxpk(rxpks);
  }
  await waitFor('the backlog in the outbox', () => daemon.app.outbox!.stats().depth === FRAMES);
  const closesBefore = daemon.app.hub!.counters.closes;
  await broker.restart();
  const collector = await Collector.connect(broker.url, [`${base}/hub/batch`]);
  ctx.collector = collector;
  const records = () => collector.on('/hub/batch').flatMap((m) => (JSON.parse(m.payload.toString()) as HubBatch).records);
  await collector.waitFor(() => new Set(records().map((r) => r.seq)).size >= FRAMES, `${FRAMES} records`, 30_000);
  const snap = daemon.app.snapshot();
  assert.ok(snap.mqtt.closes - closesBefore >= 3, `the loop was seen: ${JSON.stringify(snap.mqtt)}`);
  assert.ok(snap.mqtt.connectAttempts > snap.mqtt.connects, 'attempts that never connected are counted');
  assert.ok(daemon.app.hub!.maxPacketSize < brokerLimit, `learnt limit ${daemon.app.hub!.maxPacketSize}`);
  assert.ok(snap.mqtt.oversizeRefused >= 1);
  for (const b of collector.on('/hub/batch')) assert.ok(b.payload.length < brokerLimit);
  if (snap.mqtt.closesRecent >= 5) assert.ok(healthOf(snap).reasons.some((r) => /keeps dropping/.test(r)));
  // The link is healthy again: a new uplink arrives.
  await sim.pushRxpk([makeRxpk({ payload: Buffer.from('after the loop') })]);
  await collector.waitFor(() => records().some((r) => Buffer.from(r.phyPayload, 'base64').toString() === 'after the loop'), 'the uplink after the loop');
});

run('MQTT 5: the broker\'s smaller maximum packet size (CONNACK) wins over ours', async (ctx) => {
  assert.ok(tier.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
  const broker = await startMosquitto({ extraConfig: ['max_packet_size 65536'] });
  ctx.broker = broker;
  const hub = new HubClient({
    url: broker.url, gatewayId: TEST_GATEWAY_ID, topicPrefix: 'eu868', marshaler: 'json', keepaliveMs: 30_000, publishTimeoutMs: 5000,
    reconnectMinMs: 100, reconnectMaxMs: 500, logger: silentLogger(), protocolVersion: 5, maxPacketSize: 128 * 1024,
  });
  hub.start();
  try {
    await waitFor('the MQTT 5 connection', () => hub.online);
    assert.is(hub.maxPacketSize, 65536);
    const err = await hub.publish(`${base}/hub/batch`, Buffer.alloc(70_000), 1).then(() => undefined, (e: Error) => e);
    assert.match(String(err?.message), /exceeds the MQTT packet limit of 65536/);
    await hub.publish(`${base}/hub/batch`, Buffer.alloc(60_000), 1);
    assert.is(hub.counters.closes, 0);
  } finally {
    await hub.stop();
  }
});

it.run();
