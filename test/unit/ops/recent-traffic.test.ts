import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecentTraffic, summariseDecoded } from '../../../src/ops/recent-traffic.js';
import type { Uplink } from '../../../src/pipeline/uplink.js';
import { seedFromEnv, seededRandom } from '../../helpers/seeded-random.js';

function uplink(over: { devEui?: string; devAddr?: string; name?: string; fCnt?: number; rssi?: number; data?: Record<string, unknown> | null; errors?: string[]; at?: number }): Uplink {
  const registered = over.devEui !== undefined;
  return {
    frame: { source: 'udp', receivedAt: over.at ?? 1000, frequency: 868_100_000, modulation: 'LORA', crc: 'ok', rssi: over.rssi ?? -80, snr: 7.5, payload: Buffer.alloc(0) },
    phy: null,
    lorawan: { mType: 'UnconfirmedDataUp', devAddr: over.devAddr ?? '260b0001', fCnt: over.fCnt ?? 1, fPort: 1, adr: false, ack: false, micValid: true, fCntReplay: false, joinEui: null, devEui: null, devNonce: null, parseError: null },
    outcome: registered
      ? {
          device: { devEui: over.devEui!, name: over.name ?? 'dev', profile: 'p', owner: 'o' },
          micValid: true, fCnt: over.fCnt ?? 1, fCntReplay: false,
          decoded: over.data === undefined && !over.errors ? null : { codec: 'c', data: over.data ?? null, warnings: [], errors: over.errors ?? [] },
        }
      : null,
  };
}

test('the summary: a few scalar fields, shortened; a codec error instead when there is one', () => {
  assert.is(summariseDecoded({ temperature: 21.456789, humidity: 40, nested: { a: 1 }, ok: true }, []), 'temperature=21.457, humidity=40, ok=true');
  assert.is(summariseDecoded({ a: 1, b: 2, c: 3, d: 4, e: 5 }, []), 'a=1, b=2, c=3, d=4, …');
  assert.is(summariseDecoded(null, []), null);
  assert.is(summariseDecoded({ only: { nested: 1 } }, []), null);
  assert.match(summariseDecoded({ a: 1 }, ['bad length'])!, /^codec error: bad length$/);
  const long = summariseDecoded({ k: 'x'.repeat(500), k2: 'y'.repeat(500), k3: 'z'.repeat(500), k4: 'w'.repeat(500) }, [])!;
  assert.ok(long.length <= 90, long);
});

test('last uplinks newest first, bounded; devices by last heard, counting frames and codec errors', () => {
  const t = new RecentTraffic({ uplinks: 3, maxDevices: 2 });
  t.take(uplink({ devEui: '70b3d57ed00a0001', name: 'light', fCnt: 1, data: { level: 1 }, at: 1 }));
  t.take(uplink({ devEui: '70b3d57ed00a0002', name: 'room', fCnt: 5, errors: ['boom'], at: 2 }));
  t.take(uplink({ devEui: '70b3d57ed00a0001', name: 'light', fCnt: 2, data: { level: 2 }, at: 3 }));
  t.take(uplink({ devAddr: 'aabbccdd', at: 4, rssi: -120 }));
  const r = t.report();
  assert.equal(r.uplinks.map((u) => u.at), [4, 3, 2]);
  assert.is(r.uplinks[0].device, 'devaddr:aabbccdd');
  assert.is(r.uplinks[0].name, null);
  assert.is(r.uplinks[1].summary, 'level=2');
  assert.equal(r.devices.map((d) => d.device), ['devaddr:aabbccdd', '70b3d57ed00a0001'], 'the least recently heard device is forgotten');
  assert.is(r.devicesForgotten, 1);
  const light = r.devices[1];
  assert.is(light.frames, 2);
  assert.is(light.fCnt, 2);
  assert.is(light.codecErrors, 0);
});

test('codec errors are counted per device and the last one kept', () => {
  const t = new RecentTraffic();
  t.take(uplink({ devEui: 'a', errors: ['first'] }));
  t.take(uplink({ devEui: 'a', data: { x: 1 } }));
  t.take(uplink({ devEui: 'a', errors: ['second'] }));
  const d = t.report().devices[0];
  assert.is(d.codecErrors, 2);
  assert.is(d.lastCodecError, 'second');
});

test('memory stays bounded whatever the radio hears (seeded)', () => {
  const seed = 1206;
  console.log(`recent-traffic seed ${seed}`);
  const t = new RecentTraffic({ uplinks: 50, maxDevices: 500 });
  for (let i = 0; i < 20_000; i++) t.take(uplink({ devAddr: ((i * 2654435761 + seed) >>> 0).toString(16).padStart(8, '0'), at: i }));
  const r = t.report();
  assert.is(r.uplinks.length, 50);
  assert.is(r.devices.length, 500);
  assert.is(r.devicesForgotten, 19_500);
});

test('devices heard: the same as a plain least-recently-heard list, whatever the order (seeded)', () => {
  const random = seededRandom(seedFromEnv('RECENT_TRAFFIC_SEED', 'recent-traffic model'));
  const seed = random.seed;
  for (let round = 0; round < 20; round++) {
    const max = random.int(1, 12);
    const pool = random.int(1, 3 * max);
    const t = new RecentTraffic({ uplinks: 5, maxDevices: max });
    // The model: devices in last-heard order (last = most recent), with their frame counts.
    let model: Array<{ device: string; frames: number; fCnt: number }> = [];
    let forgotten = 0;
    const frames = random.int(0, 199);
    for (let i = 0; i < frames; i++) {
      const n = random.int(0, pool - 1);
      const registered = random.chance(0.5);
      const fCnt = i;
      t.take(registered ? uplink({ devEui: `eui${n}`, fCnt, at: i }) : uplink({ devAddr: `addr${n}`, fCnt, at: i }));
      const device = registered ? `eui${n}` : `devaddr:addr${n}`;
      const known = model.find((d) => d.device === device);
      model = model.filter((d) => d.device !== device);
      model.push({ device, frames: (known?.frames ?? 0) + 1, fCnt });
      if (model.length > max) {
        model.shift();
        forgotten += 1;
      }
      if (random.chance(0.1) || i === frames - 1) {
        const r = t.report();
        const expected = [...model].reverse();
        assert.equal(r.devices.map((d) => d.device), expected.map((d) => d.device), `seed ${seed} round ${round} frame ${i}`);
        assert.equal(r.devices.map((d) => [d.frames, d.fCnt]), expected.map((d) => [d.frames, d.fCnt]), `seed ${seed} round ${round} frame ${i}`);
        assert.is(r.devicesForgotten, forgotten, `seed ${seed} round ${round} frame ${i}`);
      }
    }
  }
});

test('a report is a snapshot: frames heard after it do not change it', () => {
  const t = new RecentTraffic();
  t.take(uplink({ devEui: '70b3d57ed00a0001', fCnt: 1, rssi: -70, at: 1 }));
  const before = t.report();
  t.take(uplink({ devEui: '70b3d57ed00a0001', fCnt: 2, rssi: -99, errors: ['bad'], at: 2 }));
  assert.equal([before.devices[0].frames, before.devices[0].rssi, before.devices[0].codecErrors, before.devices[0].lastSeen], [1, -70, 0, 1]);
  const after = t.report().devices[0];
  assert.equal([after.frames, after.rssi, after.codecErrors, after.lastSeen, after.fCnt, after.lastCodecError], [2, -99, 1, 2, 2, 'bad']);
});
test.run();
