// The UDP source at a closed door, over real UDP: PUSH_DATA is still acknowledged, its rxpk are
// refused and counted (never handed on), a stat riding along is kept, PULL_DATA and downlink
// bookkeeping go on, and frames flow again once the door opens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/log.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import type { FrameDoor } from '../../src/radio/frame-door.js';
import { UdpSource, type StatReport } from '../../src/radio/udp/udp-source.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';

class SwitchDoor implements FrameDoor {
  open = false;
  refusedTotal = 0;
  refused(_source: string, frames: number): void {
    this.refusedTotal += frames;
  }
}

const rxpk = (i: number) => makeRxpk({ payload: Buffer.from([0x40, 1, 2, 3, 4, 0, i, 0, 1, 9, 9, 9, 9]) });
const STAT = { time: '2026-01-01 00:00:00 GMT', rxnb: 3, rxok: 3, rxfw: 3, ackr: 100, dwnb: 0, txnb: 0 };

test('a closed door: acknowledged, refused and counted, the stat kept; open again: frames flow', async () => {
  const door = new SwitchDoor();
  const frames: RadioFrame[] = [];
  const stats: StatReport[] = [];
  const source = new UdpSource({ id: 'udp', bind: '127.0.0.1:0', logger: silentLogger(), door, onFrame: (f) => frames.push(f), onStat: (s) => stats.push(s) });
  await source.start();
  const gw = new PacketForwarderSim({ target: `127.0.0.1:${source.address().port}`, gatewayEui: 'aa555a0000000101', version: 2 });
  try {
    assert.ok((await gw.pullData()).acked, 'PULL_DATA answered at a closed door');
    assert.ok((await gw.pushRxpk([rxpk(1), rxpk(2), rxpk(3)])).acked, 'PUSH_DATA acknowledged although refused');
    assert.ok((await gw.pushRxpk([rxpk(4), rxpk(5)], { stat: STAT })).acked);
    assert.is(frames.length, 0, 'nothing handed on');
    assert.is(stats.length, 1, 'the stat riding with refused rxpk is kept');
    let c = source.counters();
    assert.is(c.frames_refused, 5);
    assert.is(c.datagrams_refused, 2);
    assert.is(c.push_data, 2);
    assert.is(c.rx_frames, 0);
    assert.is(door.refusedTotal, 5);

    door.open = true;
    assert.ok((await gw.pushRxpk([rxpk(6), rxpk(7)])).acked);
    assert.is(frames.length, 2);
    c = source.counters();
    assert.is(c.frames_refused, 5);
    assert.is(c.rx_frames, 2);
  } finally {
    await gw.close();
    await source.stop();
  }
});

test.run();
