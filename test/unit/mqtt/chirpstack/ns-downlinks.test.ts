// NetworkServerDownlinks against a scripted scheduler: item order, fallbacks, IGNORED after the
// first success, gateway-id refusal, malformed payloads, and the TxRequest each item becomes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { NetworkServerDownlinks, planItem } from '../../../../src/mqtt/chirpstack/ns-downlinks.js';
import { silentLogger } from '../../../../src/log.js';
import {
  toDownlinkFrame,
  toProtoJson,
  type DownlinkFrameSpec,
  type DownlinkItemSpec,
  type DownlinkTxInfoSpec,
} from '../../../../src/mqtt/chirpstack.js';
import type { TxRequest, TxStatus } from '../../../../src/radio/downlink.js';

const GW = '0016c001ff10a235';
const PHY = Buffer.from('60040302018001000102030405', 'hex');

function loraItem(over: Partial<DownlinkTxInfoSpec> = {}): DownlinkItemSpec {
  return {
    phyPayload: PHY,
    txInfo: {
      frequency: 868_100_000,
      power: 14,
      modulation: { kind: 'LORA', spreadingFactor: 7, bandwidth: 125_000, codeRate: '4/5', polarizationInversion: true, preamble: 0, noCrc: false },
      board: 0,
      antenna: 0,
      timing: { kind: 'delay', delayMs: 1000 },
      // Source 2, tmst 0x000f4240.
      context: Buffer.from('02000f4240', 'hex'),
      ...over,
    },
  };
}

interface Ctx {
  replies: TxStatus[];
  calls: Array<{ sourceIndex: number; request: TxRequest }>;
  acks: Buffer[];
  ns: NetworkServerDownlinks;
}

const it = suite<Ctx>('ns-downlinks', {} as Ctx);

function make(ctx: Ctx, marshaler: 'protobuf' | 'json' = 'protobuf'): NetworkServerDownlinks {
  return new NetworkServerDownlinks({
    gatewayId: GW.toUpperCase(),
    marshaler,
    scheduler: {
      send: async (sourceIndex, request) => {
        ctx.calls.push({ sourceIndex, request });
        return ctx.replies.shift() ?? 'OK';
      },
      defaultSourceIndex: () => 1,
    },
    publishAck: (payload) => ctx.acks.push(payload),
    logger: silentLogger(),
  });
}

it.before.each((ctx) => {
  ctx.replies = [];
  ctx.calls = [];
  ctx.acks = [];
  ctx.ns = make(ctx);
});

function frame(items: DownlinkItemSpec[], gatewayId = GW): Buffer {
  const spec: DownlinkFrameSpec = { gatewayId, downlinkId: 4242, items };
  return Buffer.from(toDownlinkFrame(spec).serializeBinary());
}

function ackStatuses(payload: Buffer): { gatewayId: string; downlinkId: number; statuses: number[] } {
  const ack = gw.DownlinkTxAck.deserializeBinary(payload);
  return { gatewayId: ack.getGatewayId(), downlinkId: ack.getDownlinkId(), statuses: ack.getItemsList().map((i) => i.getStatus()) };
}

it('first item OK: one call, ack [OK, IGNORED]', async (ctx) => {
  await ctx.ns.handle(frame([loraItem(), loraItem({ frequency: 869_525_000, timing: { kind: 'delay', delayMs: 2000 } })]));
  assert.is(ctx.calls.length, 1);
  assert.equal(ackStatuses(ctx.acks[0]), { gatewayId: GW, downlinkId: 4242, statuses: [gw.TxAckStatus.OK, gw.TxAckStatus.IGNORED] });
});

it('RX1 too late, RX2 sent: both tried in order, ack [TOO_LATE, OK]', async (ctx) => {
  ctx.replies = ['TOO_LATE', 'OK'];
  await ctx.ns.handle(frame([loraItem(), loraItem({ frequency: 869_525_000, timing: { kind: 'delay', delayMs: 2000 } })]));
  assert.equal(
    ctx.calls.map((c) => [c.request.frequency, c.request.timing]),
    [
      [868_100_000, { kind: 'delay', context: Buffer.from('000f4240', 'hex'), delayMs: 1000 }],
      [869_525_000, { kind: 'delay', context: Buffer.from('000f4240', 'hex'), delayMs: 2000 }],
    ],
  );
  assert.equal(ackStatuses(ctx.acks[0]).statuses, [gw.TxAckStatus.TOO_LATE, gw.TxAckStatus.OK]);
  assert.equal(ctx.ns.counters(), {
    framesReceived: 1,
    framesMalformed: 0,
    framesOtherGateway: 0,
    framesSent: 1,
    framesNotSent: 0,
    itemsTried: 2,
    acksPublished: 1,
    ackPublishErrors: 0,
  });
});

it('every item refused: each status reported, duty cycle included', async (ctx) => {
  ctx.replies = ['DUTY_CYCLE_OVERFLOW', 'TX_POWER'];
  await ctx.ns.handle(frame([loraItem(), loraItem({ power: 30 })]));
  assert.equal(ackStatuses(ctx.acks[0]).statuses, [gw.TxAckStatus.DUTY_CYCLE_OVERFLOW, gw.TxAckStatus.TX_POWER]);
  assert.is(ctx.ns.counters().framesNotSent, 1);
});

it('an item that cannot be planned gets INTERNAL_ERROR and the next one is tried', async (ctx) => {
  await ctx.ns.handle(frame([loraItem({ context: Buffer.alloc(0) }), loraItem({ modulation: { kind: 'LR_FHSS' } }), loraItem()]));
  assert.is(ctx.calls.length, 1);
  assert.equal(ackStatuses(ctx.acks[0]).statuses, [gw.TxAckStatus.INTERNAL_ERROR, gw.TxAckStatus.INTERNAL_ERROR, gw.TxAckStatus.OK]);
});

it('a frame for another gateway is refused: nothing sent, no ack; an empty gateway id is ours', async (ctx) => {
  await ctx.ns.handle(frame([loraItem()], 'aa555a0000000101'));
  assert.is(ctx.calls.length, 0);
  assert.is(ctx.acks.length, 0);
  assert.is(ctx.ns.counters().framesOtherGateway, 1);
  await ctx.ns.handle(frame([loraItem()], ''));
  assert.is(ctx.calls.length, 1);
  assert.is(ackStatuses(ctx.acks[0]).gatewayId, GW);
});

it('malformed payloads are counted and logged, never thrown, never acked', async (ctx) => {
  await ctx.ns.handle(Buffer.from('{"items": 3}'));
  await ctx.ns.handle(Buffer.from([0xff, 0xff, 0xff]));
  await ctx.ns.handle(Buffer.alloc(0));
  assert.is(ctx.acks.length, 0);
  assert.is(ctx.ns.counters().framesMalformed, 3);
});

it('JSON in, JSON ack out with status names', async (ctx) => {
  const ns = make(ctx, 'json');
  ctx.replies = ['COLLISION_PACKET', 'OK'];
  const spec: DownlinkFrameSpec = { gatewayId: GW, downlinkId: 77, items: [loraItem(), loraItem(), loraItem()] };
  await ns.handle(Buffer.from(JSON.stringify(toProtoJson(toDownlinkFrame(spec)))));
  assert.equal(JSON.parse(ctx.acks[0].toString()), {
    gatewayId: GW,
    downlinkId: 77,
    items: [{ status: 'COLLISION_PACKET' }, { status: 'OK' }, { status: 'IGNORED' }],
  });
});

it('a publishAck that throws is counted, handle still resolves', async (ctx) => {
  const ns = new NetworkServerDownlinks({
    gatewayId: GW,
    marshaler: 'protobuf',
    scheduler: { send: async () => 'OK', defaultSourceIndex: () => 0 },
    publishAck: () => {
      throw new Error('not connected');
    },
    logger: silentLogger(),
  });
  await ns.handle(frame([loraItem()]));
  assert.is(ns.counters().ackPublishErrors, 1);
});

it('planItem: LoRa delay item -> TxRequest on the source named by the context', () => {
  const planned = planItem(loraItem({ power: 12 }), () => 9);
  assert.equal(planned, {
    sourceIndex: 2,
    request: {
      payload: PHY,
      frequency: 868_100_000,
      modulation: 'LORA',
      spreadingFactor: 7,
      bandwidth: 125_000,
      codeRate: '4/5',
      power: 12,
      polarizationInversion: true,
      timing: { kind: 'delay', context: Buffer.from('000f4240', 'hex'), delayMs: 1000 },
    },
  });
});

it('planItem: immediate / GPS without context go to the default source; FSK; preamble', () => {
  const immediate = planItem(loraItem({ timing: { kind: 'immediately' }, context: Buffer.alloc(0) }), () => 1);
  assert.ok('request' in immediate);
  if ('request' in immediate) {
    assert.is(immediate.sourceIndex, 1);
    assert.equal(immediate.request.timing, { kind: 'immediate' });
  }
  const gps = planItem(loraItem({ timing: { kind: 'gps', gpsTimeMs: 1_400_000_000_000 }, context: Buffer.alloc(0) }), () => 0);
  assert.ok('request' in gps && gps.sourceIndex === 0);
  if ('request' in gps) assert.equal(gps.request.timing, { kind: 'gps', gpsTimeMs: 1_400_000_000_000 });
  const fsk = planItem(
    loraItem({ modulation: { kind: 'FSK', datarate: 50_000, frequencyDeviation: 25_000 }, frequency: 868_800_000 }),
    () => 0,
  );
  assert.ok('request' in fsk);
  if ('request' in fsk) {
    assert.is(fsk.request.modulation, 'FSK');
    assert.is(fsk.request.fskDatarate, 50_000);
    assert.is(fsk.request.polarizationInversion, false);
    assert.is(fsk.request.spreadingFactor, undefined);
  }
  const long = planItem(
    loraItem({ modulation: { kind: 'LORA', spreadingFactor: 9, bandwidth: 125_000, polarizationInversion: true, preamble: 10, noCrc: false } }),
    () => 0,
  );
  assert.ok('request' in long);
  if ('request' in long) {
    assert.is(long.request.preamble, 10);
    assert.is(long.request.codeRate, '4/5');
  }
  assert.equal(planItem(loraItem({ timing: { kind: 'immediately' }, context: Buffer.alloc(0) }), () => undefined), {
    status: 'INTERNAL_ERROR',
    reason: 'no radio source can transmit',
  });
  assert.equal(planItem({ phyPayload: PHY }, () => 0), {
    status: 'INTERNAL_ERROR',
    reason: 'item has no tx_info (legacy tx_info is not supported)',
  });
});

it.run();
