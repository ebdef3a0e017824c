// Hub commands to devices over MQTT (aedes) and UDP: `<prefix>/gateway/<id>/command/device` in,
// `hub/device-ack` out. Class A commands wait for the next uplink and go in its RX1; class C
// commands go out at once on RX2 parameters; confirmed uplinks are acknowledged in RX1 with
// LinkCheckAns when asked; confirmed downlinks are reported acked on the next uplink's ACK bit;
// bad commands come back failed with the reason, and the queue is bounded.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '../../src/log.js';
import { HubClient } from '../../src/mqtt/hub-client.js';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { roomClimatePayload } from '../../src/testing/device-payloads.js';
import type { DeviceAckEvent } from '../../src/edge/index.js';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { EdgeRig, type RigDevice } from '../helpers/edge-rig.js';

const GATEWAY_ID = '0016c001ff10a235';
const PREFIX = 'eu868';
const COMMAND_TOPIC = `${PREFIX}/gateway/${GATEWAY_ID}/command/device`;

const LAMP: RigDevice = {
  devEui: '70b3d57ed0003001', name: 'lamp-1', profile: 'nasys-ul20xx', joinEui: '70b3d57ed0000000', appKey: '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',
};
const ROOM: RigDevice = {
  devEui: '70b3d57ed0003002', name: 'room-1', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: 'a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5',
};
const NEVER_JOINED: RigDevice = {
  devEui: '70b3d57ed0003003', name: 'room-2', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: '11111111111111111111111111111111',
};

interface Ctx {
  broker: TestBroker;
  rig: EdgeRig;
  hub: HubClient;
  hubSide: Collector;
  publisher: MqttClient;
}

const it = suite<Ctx>('edge-commands', {} as Ctx);

it.before(async (ctx) => {
  ctx.broker = await startAedes();
});

it.after(async (ctx) => {
  await ctx.broker.stop();
});

it.before.each(async (ctx) => {
  ctx.rig = await EdgeRig.start([LAMP, ROOM, NEVER_JOINED], { settings: { queueSize: 2 } });
  const hub = new HubClient({
    url: ctx.broker.url,
    gatewayId: GATEWAY_ID,
    topicPrefix: PREFIX,
    marshaler: 'json',
    keepaliveMs: 30_000,
    publishTimeoutMs: 5_000,
    reconnectMinMs: 100,
    reconnectMaxMs: 1_000,
    logger: silentLogger(),
    // Wired as the App wires it.
    onCommand: (name, payload) => {
      if (name === 'device') void ctx.rig.edge.handleDeviceCommand(payload);
    },
  });
  ctx.rig.onEvent = (e) => void hub.publish(hub.topics.hub('device-ack'), JSON.stringify(e)).catch(() => undefined);
  ctx.hub = hub;
  const online = new Promise<void>((resolve) => hub.onOnline(resolve));
  hub.start();
  await online;
  ctx.hubSide = await Collector.connect(ctx.broker.url, [`${PREFIX}/gateway/+/hub/device-ack`]);
  ctx.publisher = await mqtt.connectAsync(ctx.broker.url, { protocolVersion: 4, clientId: `hub-${Math.random().toString(16).slice(2)}` });
});

it.after.each(async (ctx) => {
  await ctx.publisher.endAsync();
  await ctx.hubSide.close();
  await ctx.hub.stop();
  await ctx.rig.close();
});

/** The device-ack events the hub received, parsed. */
function acks(ctx: Ctx): DeviceAckEvent[] {
  return ctx.hubSide.on('/hub/device-ack').map((m) => JSON.parse(m.payload.toString()) as DeviceAckEvent);
}

async function command(ctx: Ctx, body: object | string): Promise<void> {
  await ctx.publisher.publishAsync(COMMAND_TOPIC, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
}

async function ackFor(ctx: Ctx, id: string | null, status: DeviceAckEvent['status']): Promise<DeviceAckEvent> {
  await ctx.hubSide.waitFor(() => acks(ctx).some((e) => e.id === id && e.status === status), `${status} for ${String(id)}`, 3000);
  return acks(ctx).find((e) => e.id === id && e.status === status)!;
}

async function join(ctx: Ctx, spec: RigDevice, nonce: number): Promise<SimulatedOtaaDevice> {
  const dev = new SimulatedOtaaDevice(spec, nonce);
  await ctx.rig.uplink(dev.joinRequest());
  dev.acceptJoin(txpkPayload((await ctx.rig.downlink()).txpk));
  return dev;
}

it('class C: a dimming command goes out at once on RX2 (869.525 MHz, DR0, immediate) and decrypts to fPort 60 01 FF 28', async (ctx) => {
  const lamp = await join(ctx, LAMP, 1);
  await command(ctx, { id: 'dim-40', devEui: LAMP.devEui, data: { dimming_level__percent: 40 } });
  const down = await ctx.rig.downlink(3000);
  assert.is(down.txpk.imme, true);
  assert.is(down.txpk.tmst, undefined);
  assert.is(down.txpk.freq, 869.525);
  assert.is(down.txpk.datr, 'SF12BW125');
  const got = lamp.receive(txpkPayload(down.txpk));
  assert.is(got.fPort, 60);
  assert.equal([...got.payload], [0x01, 0xff, 40]);
  assert.is(got.fCnt, 0);
  assert.is(got.confirmed, false);
  const queued = await ackFor(ctx, 'dim-40', 'queued');
  assert.is(queued.devEui, LAMP.devEui);
  assert.is(queued.queueLength, 1);
  const sent = await ackFor(ctx, 'dim-40', 'sent');
  assert.equal({ fCntDown: sent.fCntDown, fPort: sent.fPort, window: sent.window }, { fCntDown: 0, fPort: 60, window: 'class C' });
  assert.ok(!Number.isNaN(Date.parse(sent.at)));
  assert.is(ctx.rig.edge.session(LAMP.devEui)?.queueLength, 0);
});

it('class A: the command waits for the next uplink and goes in its RX1 (tmst + 1 s); confirmed is acked by the next ACK bit', async (ctx) => {
  const room = await join(ctx, ROOM, 1);
  await command(ctx, { id: 'raw-1', devEui: ROOM.devEui, fPort: 10, confirmed: true, bytes: 'c0ffee' });
  await ackFor(ctx, 'raw-1', 'queued');
  assert.ok(await ctx.rig.noDownlink(300), 'nothing is sent before the device opens a receive window');
  const tmst = await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(0) }), { sf: 8, freqHz: 868_500_000 });
  const down = await ctx.rig.downlink();
  assert.is(down.txpk.tmst, tmst + 1_000_000);
  assert.is(down.txpk.freq, 868.5);
  assert.is(down.txpk.datr, 'SF8BW125');
  const got = room.receive(txpkPayload(down.txpk));
  assert.equal({ fPort: got.fPort, payload: got.payload.toString('hex'), confirmed: got.confirmed, ack: got.ack }, {
    fPort: 10, payload: 'c0ffee', confirmed: true, ack: false,
  });
  const sent = await ackFor(ctx, 'raw-1', 'sent');
  assert.is(sent.window, 'RX1');
  assert.equal(acks(ctx).filter((e) => e.id === 'raw-1' && e.status === 'acked'), []);
  // The device's next uplink carries the ACK bit (the simulator sets it after a confirmed downlink).
  await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(1) }));
  const acked = await ackFor(ctx, 'raw-1', 'acked');
  assert.is(acked.fCntDown, 0);
});

it('a confirmed downlink not acknowledged in the next uplink is reported failed', async (ctx) => {
  const room = await join(ctx, ROOM, 1);
  await command(ctx, { id: 'raw-2', devEui: ROOM.devEui, fPort: 10, confirmed: true, bytes: '01' });
  await ackFor(ctx, 'raw-2', 'queued');
  await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(0) }));
  room.receive(txpkPayload((await ctx.rig.downlink()).txpk));
  await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(1), ack: false }));
  const failed = await ackFor(ctx, 'raw-2', 'failed');
  assert.match(failed.reason!, /did not acknowledge/);
});

it('a device that joins again before acknowledging a confirmed downlink: the command is reported failed and counted', async (ctx) => {
  const room = await join(ctx, ROOM, 1);
  await command(ctx, { id: 'raw-3', devEui: ROOM.devEui, fPort: 10, confirmed: true, bytes: '02' });
  await ackFor(ctx, 'raw-3', 'queued');
  await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(0) }));
  await ctx.rig.downlink();
  await ackFor(ctx, 'raw-3', 'sent');
  const failedBefore = ctx.rig.edge.counters.commands.failed;
  await join(ctx, ROOM, 2);
  const failed = await ackFor(ctx, 'raw-3', 'failed');
  assert.match(failed.reason!, /joined again/);
  assert.is(ctx.rig.edge.counters.commands.failed, failedBefore + 1);
});

it('a confirmed uplink is acknowledged in RX1; LinkCheckReq in FOpts gets LinkCheckAns (margin from SNR, 1 gateway)', async (ctx) => {
  const room = await join(ctx, ROOM, 1);
  const tmst = await ctx.rig.uplink(room.uplink({ confirmed: true, fOpts: Buffer.from([0x02]) }), { sf: 7, snr: 9.5, freqHz: 868_100_000 });
  const down = await ctx.rig.downlink();
  assert.is(down.txpk.tmst, tmst + 1_000_000);
  assert.is(down.txpk.datr, 'SF7BW125');
  const got = room.receive(txpkPayload(down.txpk));
  assert.is(got.ack, true);
  assert.is(got.fPort, null);
  // SF7 floor -7.5 dB: 9.5 - (-7.5) = 17 dB margin.
  assert.equal([...got.fOpts], [0x02, 17, 0x01]);
  await new Promise((r) => setTimeout(r, 50));
  assert.is(ctx.rig.edge.counters.acksSent, 1);

  // The same confirmed uplink again (the ACK was lost): acknowledged again with a new FCntDown.
  await ctx.rig.uplink(room.lastUplink!);
  const again = room.receive(txpkPayload((await ctx.rig.downlink()).txpk));
  assert.is(again.ack, true);
  assert.is(again.fCnt, 1);
});

it('a queued command piggy-backs on the ACK of a confirmed uplink; FPending tells the device more waits', async (ctx) => {
  const room = await join(ctx, ROOM, 1);
  await command(ctx, { id: 'a', devEui: ROOM.devEui, fPort: 11, bytes: '0a' });
  await command(ctx, { id: 'b', devEui: ROOM.devEui, fPort: 11, bytes: '0b' });
  await ackFor(ctx, 'b', 'queued');
  await ctx.rig.uplink(room.uplink({ confirmed: true, fPort: 5, payload: roomClimatePayload(0) }));
  const first = room.receive(txpkPayload((await ctx.rig.downlink()).txpk));
  assert.equal({ ack: first.ack, payload: first.payload.toString('hex'), fPending: first.fPending }, { ack: true, payload: '0a', fPending: true });
  await ctx.rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(1) }));
  const second = room.receive(txpkPayload((await ctx.rig.downlink()).txpk));
  assert.equal({ ack: second.ack, payload: second.payload.toString('hex'), fPending: second.fPending }, { ack: false, payload: '0b', fPending: false });
});

it('validation: unknown device, no session, bad level, too long for the data rate, codec without encoder, malformed JSON', async (ctx) => {
  await join(ctx, LAMP, 1);
  await join(ctx, ROOM, 1);
  await command(ctx, { id: 'v1', devEui: '0000000000000001', fPort: 1, bytes: '00' });
  await command(ctx, { id: 'v2', devEui: NEVER_JOINED.devEui, fPort: 1, bytes: '00' });
  await command(ctx, { id: 'v3', devEui: LAMP.devEui, data: { dimming_level__percent: 150 } });
  // Class C at RX2 DR0 carries at most 51 bytes.
  await command(ctx, { id: 'v4', devEui: LAMP.devEui, fPort: 60, bytes: '00'.repeat(52) });
  await command(ctx, { id: 'v5', devEui: ROOM.devEui, data: { anything: 1 } });
  await command(ctx, '{"id": "v6", ');
  const reason = async (id: string | null) => (await ackFor(ctx, id, 'failed')).reason!;
  assert.match(await reason('v1'), /unknown device 0000000000000001/);
  assert.match(await reason('v2'), /has not joined/);
  assert.match(await reason('v3'), /bad level 150/);
  assert.match(await reason('v4'), /52 bytes is too long .*DR0 carries at most 51/);
  assert.match(await reason('v5'), /codec elsys-ers: .*no downlink encoder/);
  assert.match(await reason(null), /not valid JSON/);
  for (const id of ['v1', 'v2', 'v3', 'v4', 'v5']) assert.not.ok(acks(ctx).some((e) => e.id === id && e.status !== 'failed'), `${id} only failed`);
  assert.ok(await ctx.rig.noDownlink(200));
});

it('the queue is bounded (edge.queueSize 2): the third command fails, the first two stay', async (ctx) => {
  await join(ctx, ROOM, 1);
  for (const id of ['q1', 'q2', 'q3']) await command(ctx, { id, devEui: ROOM.devEui, fPort: 3, bytes: '01' });
  assert.match((await ackFor(ctx, 'q3', 'failed')).reason!, /queue full: 2 commands/);
  await ackFor(ctx, 'q2', 'queued');
  assert.is(ctx.rig.edge.session(ROOM.devEui)?.queueLength, 2);
});

it.run();
