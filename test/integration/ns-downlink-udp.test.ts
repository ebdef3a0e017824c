// Network-server downlinks end to end: a ChirpStack-style client publishes gw.DownlinkFrame on
// command/down (aedes), NetworkServerDownlinks + TransmitGate hand it to a real UdpSource, the
// packet-forwarder simulator receives the PULL_RESP and answers TX_ACK, and gw.DownlinkTxAck comes
// back on event/ack. Wired here as the App wires it (HubClient.onCommand -> handle; publishAck -> event/ack).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { NetworkServerDownlinks } from '../../src/mqtt/chirpstack/ns-downlinks.js';
import { TransmitGate } from '../../src/downlink/transmit-gate.js';
import { silentLogger } from '../../src/log.js';
import { HubClient } from '../../src/mqtt/hub-client.js';
import { toDownlinkFrame, toProtoJson, type DownlinkFrameSpec, type DownlinkItemSpec, type Marshaler } from '../../src/mqtt/chirpstack.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { wrapContext } from '../../src/mqtt/chirpstack/source-context.js';
import { UdpSource } from '../../src/radio/udp/udp-source.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';

const GATEWAY_ID = '0016c001ff10a235';
const FORWARDER_EUI = 'aa555a0000000101';
const PREFIX = 'eu868';
const PHY = Buffer.from('60040302018001000102030405', 'hex');
/** Close to the u32 wrap: + 1 s lands at 32 704 µs. */
const UPLINK_TMST = 4_294_000_000;

interface Ctx {
  broker: TestBroker;
  source: UdpSource;
  sim: PacketForwarderSim;
  uplinks: RadioFrame[];
  hub: HubClient;
  ns: NetworkServerDownlinks;
  chirpstack: Collector;
}

const it = suite<Ctx>('ns-downlink-udp', {} as Ctx);

it.before(async (ctx) => {
  ctx.broker = await startAedes();
});

it.after(async (ctx) => {
  await ctx.broker.stop();
});

async function setUp(ctx: Ctx, marshaler: Marshaler): Promise<void> {
  ctx.uplinks = [];
  ctx.source = new UdpSource({ id: 'udp', bind: '127.0.0.1:0', logger: silentLogger(), onFrame: (f) => ctx.uplinks.push(f) });
  await ctx.source.start();
  ctx.sim = new PacketForwarderSim({ target: `127.0.0.1:${ctx.source.address().port}`, gatewayEui: FORWARDER_EUI, ackTimeoutMs: 1000 });
  assert.ok((await ctx.sim.pullData()).acked, 'PULL_ACK');
  const scheduler = new TransmitGate({ sources: [ctx.source], dutyCycle: true, maxTxPower: 27, logger: silentLogger() });
  let hub: HubClient | undefined;
  ctx.ns = new NetworkServerDownlinks({
    gatewayId: GATEWAY_ID,
    marshaler,
    scheduler,
    publishAck: (payload) => void hub?.publish(hub.topics.event('ack'), payload),
    logger: silentLogger(),
  });
  hub = new HubClient({
    url: ctx.broker.url,
    gatewayId: GATEWAY_ID,
    topicPrefix: PREFIX,
    marshaler,
    keepaliveMs: 30_000,
    publishTimeoutMs: 5_000,
    reconnectMinMs: 100,
    reconnectMaxMs: 1_000,
    logger: silentLogger(),
    onCommand: (name, payload) => {
      if (name === 'down') void ctx.ns.handle(payload);
    },
  });
  ctx.hub = hub;
  const online = new Promise<void>((resolve) => hub.onOnline(resolve));
  hub.start();
  await online;
  ctx.chirpstack = await Collector.connect(ctx.broker.url, [`${PREFIX}/gateway/+/event/ack`]);
}

async function tearDown(ctx: Ctx): Promise<void> {
  await ctx.chirpstack.client.endAsync();
  await ctx.hub.stop();
  await ctx.sim.close();
  await ctx.source.stop();
}

/** An uplink through the forwarder; returns the context ChirpStack would echo (source 0 + tmst). */
async function uplink(ctx: Ctx): Promise<Buffer> {
  assert.ok((await ctx.sim.pushRxpk([makeRxpk({ payload: Buffer.from('40f17dbe4900020001954378762b11ff0d', 'hex'), tmst: UPLINK_TMST })])).acked);
  const frame = ctx.uplinks.at(-1);
  assert.ok(frame?.context, 'uplink context');
  return wrapContext(0, frame!.context!);
}

function item(context: Buffer, over: { frequency?: number; sf?: number; delayMs?: number; power?: number; payload?: Buffer } = {}): DownlinkItemSpec {
  return {
    phyPayload: over.payload ?? PHY,
    txInfo: {
      frequency: over.frequency ?? 868_100_000,
      power: over.power ?? 14,
      modulation: { kind: 'LORA', spreadingFactor: over.sf ?? 7, bandwidth: 125_000, codeRate: '4/5', polarizationInversion: true, preamble: 0, noCrc: false },
      board: 0,
      antenna: 0,
      timing: { kind: 'delay', delayMs: over.delayMs ?? 1000 },
      context,
    },
  };
}

function encode(spec: DownlinkFrameSpec, marshaler: Marshaler): Buffer {
  const msg = toDownlinkFrame(spec);
  return marshaler === 'json' ? Buffer.from(JSON.stringify(toProtoJson(msg))) : Buffer.from(msg.serializeBinary());
}

async function publishDown(ctx: Ctx, payload: Buffer): Promise<void> {
  await ctx.chirpstack.client.publishAsync(`${PREFIX}/gateway/${GATEWAY_ID}/command/down`, payload, { qos: 1 });
}

it('protobuf DownlinkFrame -> PULL_RESP txpk (tmst = uplink + 1 s) -> TX_ACK -> DownlinkTxAck [OK, IGNORED]', async (ctx) => {
  await setUp(ctx, 'protobuf');
  try {
    const context = await uplink(ctx);
    const spec = { gatewayId: GATEWAY_ID, downlinkId: 123456, items: [item(context), item(context, { frequency: 869_525_000, sf: 12, delayMs: 2000, power: 27 })] };
    await publishDown(ctx, encode(spec, 'protobuf'));
    const resp = await ctx.sim.nextPullResp(5000);
    assert.ok(resp, 'PULL_RESP');
    assert.equal(resp!.txpk, {
      tmst: (UPLINK_TMST + 1_000_000) % 2 ** 32,
      freq: 868.1,
      rfch: 0,
      powe: 14,
      modu: 'LORA',
      datr: 'SF7BW125',
      codr: '4/5',
      ipol: true,
      size: PHY.length,
      data: PHY.toString('base64'),
    });
    assert.is(resp!.txpk.tmst, 32_704);
    await ctx.chirpstack.waitFor(() => ctx.chirpstack.on('/event/ack').length === 1, 'DownlinkTxAck');
    const collected = ctx.chirpstack.on('/event/ack')[0];
    assert.is(collected.topic, `${PREFIX}/gateway/${GATEWAY_ID}/event/ack`);
    const ack = gw.DownlinkTxAck.deserializeBinary(collected.payload);
    assert.is(ack.getGatewayId(), GATEWAY_ID);
    assert.is(ack.getDownlinkId(), 123456);
    assert.equal(ack.getItemsList().map((i) => i.getStatus()), [gw.TxAckStatus.OK, gw.TxAckStatus.IGNORED]);
    // Only the first item went to the forwarder.
    assert.is(await ctx.sim.nextPullResp(200), undefined);
  } finally {
    await tearDown(ctx);
  }
});

it('JSON: forwarder says TOO_LATE for RX1, RX2 goes out, DownlinkTxAck [TOO_LATE, OK] as JSON', async (ctx) => {
  await setUp(ctx, 'json');
  try {
    const context = await uplink(ctx);
    ctx.sim.setTxAckError('TOO_LATE');
    const spec = { gatewayId: GATEWAY_ID, downlinkId: 77, items: [item(context), item(context, { frequency: 869_525_000, sf: 12, delayMs: 2000, power: 27 })] };
    await publishDown(ctx, encode(spec, 'json'));
    const rx1 = await ctx.sim.nextPullResp(5000);
    // The TX_ACK for RX1 is already on its way with TOO_LATE; RX2 will be accepted.
    ctx.sim.setTxAckError(null);
    assert.is(rx1?.txpk.freq, 868.1);
    const rx2 = await ctx.sim.nextPullResp(5000);
    assert.ok(rx2, 'RX2 PULL_RESP');
    assert.is(rx2!.txpk.tmst, (UPLINK_TMST + 2_000_000) % 2 ** 32);
    assert.is(rx2!.txpk.freq, 869.525);
    assert.is(rx2!.txpk.datr, 'SF12BW125');
    assert.is(rx2!.txpk.powe, 27);
    await ctx.chirpstack.waitFor(() => ctx.chirpstack.on('/event/ack').length === 1, 'DownlinkTxAck');
    assert.equal(JSON.parse(ctx.chirpstack.on('/event/ack')[0].payload.toString()), {
      gatewayId: GATEWAY_ID,
      downlinkId: 77,
      items: [{ status: 'TOO_LATE' }, { status: 'OK' }],
    });
  } finally {
    await tearDown(ctx);
  }
});

it('duty cycle: the 13th long SF12 frame on g1 is refused with DUTY_CYCLE_OVERFLOW and never reaches the forwarder', async (ctx) => {
  await setUp(ctx, 'protobuf');
  try {
    const context = await uplink(ctx);
    // 64 bytes at SF12/125: 2793.472 ms each; 1% of an hour (36 s) holds 12.
    const big = Buffer.alloc(64, 0x60);
    for (let i = 0; i < 12; i++) {
      await ctx.ns.handle(encode({ gatewayId: GATEWAY_ID, downlinkId: i, items: [item(context, { sf: 12, payload: big })] }, 'protobuf'));
    }
    assert.is(ctx.sim.pullResponses.length, 12);
    await ctx.ns.handle(encode({ gatewayId: GATEWAY_ID, downlinkId: 12, items: [item(context, { sf: 12, payload: big })] }, 'protobuf'));
    assert.is(ctx.sim.pullResponses.length, 12);
    await ctx.chirpstack.waitFor(() => ctx.chirpstack.on('/event/ack').length === 13, '13 DownlinkTxAcks');
    const statuses = ctx.chirpstack
      .on('/event/ack')
      .map((m) => gw.DownlinkTxAck.deserializeBinary(m.payload))
      .sort((a, b) => a.getDownlinkId() - b.getDownlinkId())
      .map((a) => a.getItemsList()[0].getStatus());
    assert.equal(statuses, [...Array(12).fill(gw.TxAckStatus.OK), gw.TxAckStatus.DUTY_CYCLE_OVERFLOW]);
  } finally {
    await tearDown(ctx);
  }
});

it('a DownlinkFrame for another gateway id is refused: no PULL_RESP, no ack', async (ctx) => {
  await setUp(ctx, 'protobuf');
  try {
    const context = await uplink(ctx);
    await publishDown(ctx, encode({ gatewayId: 'ffffffffffffffff', downlinkId: 9, items: [item(context)] }, 'protobuf'));
    // A good frame afterwards proves the first one was processed (and refused), not still in flight.
    await publishDown(ctx, encode({ gatewayId: GATEWAY_ID, downlinkId: 10, items: [item(context)] }, 'protobuf'));
    await ctx.chirpstack.waitFor(() => ctx.chirpstack.on('/event/ack').length === 1, 'DownlinkTxAck');
    assert.is(gw.DownlinkTxAck.deserializeBinary(ctx.chirpstack.on('/event/ack')[0].payload).getDownlinkId(), 10);
    assert.is(ctx.sim.pullResponses.length, 1);
    assert.is(ctx.ns.counters().framesOtherGateway, 1);
  } finally {
    await tearDown(ctx);
  }
});

it.run();
