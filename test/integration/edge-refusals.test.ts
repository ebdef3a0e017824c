// When the radio refuses: a class C command is reported failed with the radio's status; a class A
// command refused in both windows stays queued for the next uplink and is reported failed after
// MAX_CLASS_A_ATTEMPTS uplinks. Nothing is dropped silently.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SimulatedOtaaDevice, txpkPayload } from '../../src/testing/otaa-devices.js';
import { MAX_CLASS_A_ATTEMPTS } from '../../src/edge/index.js';
import { EdgeRig, waitFor, type RigDevice } from '../helpers/edge-rig.js';

const LAMP: RigDevice = {
  devEui: '70b3d57ed0005001', name: 'lamp-1', profile: 'nasys-ul20xx', joinEui: '70b3d57ed0000000', appKey: '1234567890abcdef1234567890abcdef',
};
const ROOM: RigDevice = {
  devEui: '70b3d57ed0005002', name: 'room-1', profile: 'elsys-ers', joinEui: '70b3d57ed0000000', appKey: 'fedcba0987654321fedcba0987654321',
};

const it = suite<{ rig: EdgeRig }>('edge-refusals', {} as { rig: EdgeRig });

it.after.each(async (ctx) => {
  await ctx.rig?.close();
});

/** Accepts the join accept, then answers every later PULL_RESP with `error`. */
async function rigRefusingAfterJoin(devices: RigDevice[], error: string): Promise<{ rig: EdgeRig; refuse: (on: boolean) => void }> {
  let refusing = false;
  const rig = await EdgeRig.start(devices, { txAck: () => (refusing ? { error } : null) });
  return { rig, refuse: (on) => (refusing = on) };
}

async function join(rig: EdgeRig, spec: RigDevice): Promise<SimulatedOtaaDevice> {
  const dev = new SimulatedOtaaDevice(spec, 1);
  await rig.uplink(dev.joinRequest());
  dev.acceptJoin(txpkPayload((await rig.downlink()).txpk));
  return dev;
}

const cmd = (id: string, devEui: string, extra: object) => Buffer.from(JSON.stringify({ id, devEui, ...extra }));

it('class C refused by the forwarder: failed with the radio status', async (ctx) => {
  const { rig, refuse } = await rigRefusingAfterJoin([LAMP], 'COLLISION_PACKET');
  ctx.rig = rig;
  await join(rig, LAMP);
  refuse(true);
  await rig.edge.handleDeviceCommand(cmd('c1', LAMP.devEui, { data: { dimming_level__percent: 80 } }));
  const events = rig.events.filter((e) => e.id === 'c1');
  assert.equal(events.map((e) => e.status), ['queued', 'failed']);
  assert.match(events[1].reason!, /COLLISION_PACKET/);
  assert.is(rig.edge.session(LAMP.devEui)?.queueLength, 0);
  // The FCntDown used for the refused frame is not reused.
  assert.is(rig.edge.session(LAMP.devEui)?.fCntDown, 1);
});

it(`class A refused in RX1 and RX2: kept for the next uplink, failed after ${MAX_CLASS_A_ATTEMPTS} uplinks`, async (ctx) => {
  const { rig, refuse } = await rigRefusingAfterJoin([ROOM], 'TOO_LATE');
  ctx.rig = rig;
  const room = await join(rig, ROOM);
  refuse(true);
  await rig.edge.handleDeviceCommand(cmd('a1', ROOM.devEui, { fPort: 2, bytes: '0102' }));
  for (let n = 1; n <= MAX_CLASS_A_ATTEMPTS; n++) {
    await rig.uplink(room.uplink({ fPort: 5, payload: Buffer.from([0x01, 0x00, 0xc8]) }));
    const rx1 = await rig.downlink();
    const rx2 = await rig.downlink();
    assert.is(rx2.txpk.tmst, (rx1.txpk.tmst as number) + 1_000_000, 'RX2 one second after RX1');
    if (n < MAX_CLASS_A_ATTEMPTS) {
      await waitFor(() => rig.edge.counters.downlinksNotSent === n, 2000, `attempt ${n}`);
      assert.is(rig.edge.session(ROOM.devEui)?.queueLength, 1);
    }
  }
  const failed = await rig.waitForEvent((e) => e.id === 'a1' && e.status === 'failed', 'a1 failed');
  assert.match(failed.reason!, /not transmitted \(radio: TOO_LATE, TOO_LATE\).*given up after 3 uplinks/);
  assert.is(rig.edge.session(ROOM.devEui)?.queueLength, 0);
});

it.run();
