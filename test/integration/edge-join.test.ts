// OTAA joins answered by the gateway, over real UDP: the join accept goes out 5 s after the join
// request (tmst + 5 000 000 µs) on the request's channel and data rate (RX1), or in RX2 (6 s,
// 869.525 MHz, DR0) when RX1 is refused; the device can decrypt it and from then on its uplinks
// are decoded; a replayed DevNonce is refused; edge: false in the registry leaves a device alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { roomClimatePayload } from '../../src/testing/device-payloads.js';
import { EdgeRig, waitFor, type RigDevice } from '../helpers/edge-rig.js';

const ROOM: RigDevice = {
  devEui: '70b3d57ed0002001', name: 'room-1', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: '2b7e151628aed2a6abf7158809cf4f3c',
};
const OPTED_OUT: RigDevice = {
  devEui: '70b3d57ed0002002', name: 'room-2', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: '000102030405060708090a0b0c0d0e0f', edge: false,
};

const it = suite<{ rig: EdgeRig }>('edge-join', {} as { rig: EdgeRig });

it.after.each(async (ctx) => {
  await ctx.rig?.close();
});

it('join accept in RX1: tmst + 5 s, the request frequency and data rate; the device decrypts it', async (ctx) => {
  ctx.rig = await EdgeRig.start([ROOM, OPTED_OUT]);
  const dev = new SimulatedOtaaDevice(ROOM, 0x1234);
  const tmst = await ctx.rig.uplink(dev.joinRequest(), { tmst: 3_000_000, freqHz: 868_300_000, sf: 9 });
  const down = await ctx.rig.downlink();
  const t = down.txpk;
  assert.is(t.tmst, tmst + 5_000_000);
  assert.is(t.freq, 868.3);
  assert.is(t.datr, 'SF9BW125');
  assert.is(t.ipol, true);
  assert.is(t.powe, 16);
  const fields = dev.acceptJoin(txpkPayload(t));
  assert.ok(fields.micValid);
  assert.is(fields.netIdHex, '000013');
  assert.is(fields.devAddrHex, '26000010');
  assert.is(fields.rx1DrOffset, 0);
  assert.is(fields.rx2DataRate, 0);
  assert.is(fields.rxDelay, 1);
  assert.is(fields.cfList, null);
  assert.equal(ctx.rig.edge.session(ROOM.devEui), { devAddr: '26000010', fCntUp: undefined, fCntDown: 0, queueLength: 0 });

  // From now on the device's uplinks are attributed and decoded like an ABP device's.
  await ctx.rig.uplink(dev.uplink({ fPort: 5, payload: roomClimatePayload(0) }));
  const rec = ctx.rig.records.at(-1)!;
  assert.equal(rec.device?.devEui, ROOM.devEui);
  assert.is(rec.lorawan.micValid, true);
  assert.is(rec.lorawan.fCnt, 0);
  assert.is(rec.decoded?.codec, 'elsys-ers');
  assert.equal(rec.decoded?.errors, []);
  assert.type(rec.decoded?.data?.co2, 'number');
  // An unconfirmed uplink without MAC commands or queued commands gets no downlink.
  assert.ok(await ctx.rig.noDownlink(300));
  assert.is(ctx.rig.edge.session(ROOM.devEui)?.fCntUp, 0);
  assert.is(ctx.rig.edge.counters.joinAcceptsSent, 1);
});

it('a replayed DevNonce is refused; a fresh one gets a new DevAddr and new keys', async (ctx) => {
  ctx.rig = await EdgeRig.start([ROOM]);
  const dev = new SimulatedOtaaDevice(ROOM, 7);
  const request = dev.joinRequest();
  await ctx.rig.uplink(request);
  const first = dev.acceptJoin(txpkPayload((await ctx.rig.downlink()).txpk));
  const firstKey = dev.session!.nwkSKey.toString('hex');

  await ctx.rig.uplink(request);
  assert.ok(await ctx.rig.noDownlink(500), 'no join accept for a used DevNonce');
  assert.is(ctx.rig.edge.counters.devNonceReused, 1);
  assert.is(ctx.rig.edge.session(ROOM.devEui)?.devAddr, first.devAddrHex, 'the session is untouched');

  await ctx.rig.uplink(dev.joinRequest());
  const second = dev.acceptJoin(txpkPayload((await ctx.rig.downlink()).txpk));
  assert.is(second.devAddrHex, '26000011');
  assert.ok(second.joinNonce > first.joinNonce);
  assert.is.not(dev.session!.nwkSKey.toString('hex'), firstKey);
  // Uplinks with the new session's keys are attributed to the device.
  await ctx.rig.uplink(dev.uplink({ fPort: 5, payload: roomClimatePayload(1) }));
  assert.equal(ctx.rig.records.at(-1)!.device?.devEui, ROOM.devEui);
});

it('the DevNonce history survives a restart', async (ctx) => {
  ctx.rig = await EdgeRig.start([ROOM]);
  const dev = new SimulatedOtaaDevice(ROOM, 99);
  const request = dev.joinRequest();
  await ctx.rig.uplink(request);
  await ctx.rig.downlink();
  await ctx.rig.closeState();
  await ctx.rig.open();
  await ctx.rig.uplink(request);
  assert.ok(await ctx.rig.noDownlink(500));
  assert.is(ctx.rig.edge.counters.devNonceReused, 1);
});

it('RX1 refused by the forwarder (TOO_LATE): the join accept goes in RX2, 6 s, 869.525 MHz, SF12', async (ctx) => {
  let n = 0;
  ctx.rig = await EdgeRig.start([ROOM], { txAck: () => (n++ === 0 ? { error: 'TOO_LATE' } : null) });
  const dev = new SimulatedOtaaDevice(ROOM, 3);
  const tmst = await ctx.rig.uplink(dev.joinRequest(), { sf: 7, freqHz: 868_100_000 });
  const rx1 = await ctx.rig.downlink();
  assert.is(rx1.txpk.tmst, tmst + 5_000_000);
  const rx2 = await ctx.rig.downlink();
  assert.is(rx2.txpk.tmst, tmst + 6_000_000);
  assert.is(rx2.txpk.freq, 869.525);
  assert.is(rx2.txpk.datr, 'SF12BW125');
  assert.is(rx2.txpk.powe, 27);
  assert.ok(dev.acceptJoin(txpkPayload(rx2.txpk)).micValid);
  await waitFor(() => ctx.rig.edge.counters.joinAcceptsSent === 1, 1000, 'the RX2 TX_ACK');
});

it('edge: false in the registry: the join request is left to the network server', async (ctx) => {
  ctx.rig = await EdgeRig.start([ROOM, OPTED_OUT]);
  const dev = new SimulatedOtaaDevice(OPTED_OUT, 1);
  await ctx.rig.uplink(dev.joinRequest());
  assert.ok(await ctx.rig.noDownlink(400));
  assert.is(ctx.rig.edge.counters.joinsNotForEdge, 1);
  // A join request with a wrong AppKey is not answered either.
  const impostor = new SimulatedOtaaDevice({ ...ROOM, appKey: 'ffffffffffffffffffffffffffffffff' }, 1);
  await ctx.rig.uplink(impostor.joinRequest());
  assert.ok(await ctx.rig.noDownlink(400));
  assert.is(ctx.rig.edge.session(ROOM.devEui), undefined);
});

it('per-device edge: true works with edge mode off globally', async (ctx) => {
  ctx.rig = await EdgeRig.start([{ ...ROOM, edge: true }], { settings: { enabled: false } });
  const dev = new SimulatedOtaaDevice(ROOM, 1);
  await ctx.rig.uplink(dev.joinRequest());
  assert.ok(dev.acceptJoin(txpkPayload((await ctx.rig.downlink()).txpk)).micValid);
});

it.run();
