// A restart (edge mode and the device directory closed and reopened on the same storage) keeps the
// sessions, their frame counters and the queued commands: the device is decoded without joining
// again, the queued command goes out in the next RX1, FCntDown continues, and a class C command
// left queued is sent by resumeQueues().
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { roomClimatePayload } from '../../src/testing/device-payloads.js';
import fs from 'node:fs';
import path from 'node:path';
import { EdgeRig, registryText, type RigDevice } from '../helpers/edge-rig.js';

const ROOM: RigDevice = {
  devEui: '70b3d57ed0004001', name: 'room-1', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: '0f0e0d0c0b0a09080706050403020100',
};
const LAMP: RigDevice = {
  devEui: '70b3d57ed0004002', name: 'lamp-1', profile: 'nasys-ul20xx', joinEui: '70b3d57ed0000000', appKey: '00112233445566778899aabbccddeeff',
};

const it = suite<{ rig: EdgeRig }>('edge-restart', {} as { rig: EdgeRig });

it.after.each(async (ctx) => {
  await ctx.rig?.close();
});

async function join(rig: EdgeRig, spec: RigDevice): Promise<SimulatedOtaaDevice> {
  const dev = new SimulatedOtaaDevice(spec, 1);
  await rig.uplink(dev.joinRequest());
  dev.acceptJoin(txpkPayload((await rig.downlink()).txpk));
  return dev;
}

it('session, counters and a queued class A command survive a restart', async (ctx) => {
  const rig = (ctx.rig = await EdgeRig.start([ROOM]));
  const room = await join(rig, ROOM);
  // One confirmed uplink so FCntUp and FCntDown have moved.
  await rig.uplink(room.uplink({ confirmed: true, fPort: 5, payload: roomClimatePayload(0) }));
  room.receive(txpkPayload((await rig.downlink()).txpk));
  await rig.edge.handleDeviceCommand(Buffer.from(JSON.stringify({ id: 'after-restart', devEui: ROOM.devEui, fPort: 9, bytes: 'beef' })));
  assert.equal(rig.events.map((e) => e.status), ['queued']);
  const before = rig.edge.session(ROOM.devEui);
  assert.equal(before, { devAddr: room.session!.devAddrHex, fCntUp: 0, fCntDown: 1, queueLength: 1 });

  await rig.closeState();
  await rig.open();
  assert.equal(rig.edge.session(ROOM.devEui), before);

  // No new join: the next uplink is decoded with the stored session, and the command goes in RX1.
  const tmst = await rig.uplink(room.uplink({ fPort: 5, payload: roomClimatePayload(1) }));
  const rec = rig.records.at(-1)!;
  assert.is(rec.device?.devEui, ROOM.devEui);
  assert.is(rec.lorawan.fCnt, 1);
  assert.is(rec.decoded?.codec, 'elsys-ers');
  const down = await rig.downlink();
  assert.is(down.txpk.tmst, tmst + 1_000_000);
  const got = room.receive(txpkPayload(down.txpk));
  assert.equal({ fCnt: got.fCnt, fPort: got.fPort, payload: got.payload.toString('hex') }, { fCnt: 1, fPort: 9, payload: 'beef' });
  const sent = await rig.waitForEvent((e) => e.id === 'after-restart' && e.status === 'sent', 'sent after restart');
  assert.is(sent.fCntDown, 1);

  // A replay of an uplink from before the restart is flagged, not decoded.
  await rig.uplink(room.lastUplink!);
  assert.is(rig.records.at(-1)!.lorawan.fCntReplay, true);
});

it('a class C command still queued at stop is sent by resumeQueues() after the restart', async (ctx) => {
  // Queued while the registry said class A (so it waited for an uplink), as a crash between
  // queueing and sending would leave it; after the restart the device is class C again.
  const rig = (ctx.rig = await EdgeRig.start([{ ...LAMP, class: 'A' }]));
  const lamp = await join(rig, LAMP);
  await rig.edge.handleDeviceCommand(Buffer.from(JSON.stringify({ id: 'c1', devEui: LAMP.devEui, data: { dimming_level__percent: 10 } })));
  assert.ok(await rig.noDownlink(300));
  await rig.closeState();
  fs.writeFileSync(path.join(rig.dir, 'registry.yaml'), registryText([LAMP]), { mode: 0o600 });
  await rig.open();
  assert.is(rig.edge.session(LAMP.devEui)?.queueLength, 1);
  await rig.edge.resumeQueues();
  assert.equal(rig.events.filter((e) => e.id === 'c1').map((e) => [e.status, e.window]), [['queued', undefined], ['sent', 'class C']]);
  const down = await rig.downlink();
  assert.is(down.txpk.imme, true);
  const got = lamp.receive(txpkPayload(down.txpk));
  assert.equal([...got.payload], [0x01, 0xff, 10]);
  assert.is(rig.edge.session(LAMP.devEui)?.queueLength, 0);
});

it.run();
