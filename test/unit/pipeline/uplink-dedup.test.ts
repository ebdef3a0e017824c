// Copies of one transmission heard more than once (two channels, a UDP and a serial source) go
// through the real pipeline: each transmission is stored once, whichever copy comes first, and
// no distinct transmission is taken for a copy. Seeded timelines of copies and near neighbours.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UplinkPipeline } from '../../../src/pipeline/uplink-pipeline.js';
import { silentLogger } from '../../../src/log.js';
import { buildDataUplink } from '../../../src/lorawan/builders.js';
import type { RadioFrame } from '../../../src/radio/radio-frame.js';
import { seedFromEnv, seededRandom } from '../../helpers/seeded-random.js';

const seed = seedFromEnv('LORA_EDGE_SEED', 'uplink de-duplication');

test('each transmission is stored once however many copies arrive within the window; distinct ones all pass (seeded)', () => {
  const rnd = seededRandom(seed);
  for (let round = 0; round < 20; round++) {
    const events: Array<{ at: number; payload: Buffer; source: string }> = [];
    const distinct = rnd.int(1, 3000);
    let t = rnd.int(0, 1e12);
    for (let i = 0; i < distinct; i++) {
      t += rnd.int(0, 3);
      // Neighbours differ in one counter or payload byte, or only in length.
      const payload = buildDataUplink({
        devAddr: 0x26010000 + rnd.int(0, 3), fCnt32: i, fPort: 1, payload: Buffer.alloc(rnd.int(0, 3) === 0 ? 0 : rnd.int(1, 51), i & 0xff),
        nwkSKey: Buffer.alloc(16, 1), appSKey: Buffer.alloc(16, 2),
      });
      const copies = rnd.int(1, 4);
      for (let c = 0; c < copies; c++) {
        events.push({ at: t + (c === 0 ? 0 : rnd.int(0, 150)), payload: c === 0 ? payload : Buffer.from(payload), source: rnd.pick(['udp', 'serial']) });
      }
    }
    events.sort((a, b) => a.at - b.at);
    const stored = new Map<string, number>();
    let now = 0;
    const p = new UplinkPipeline({
      forwardCrcBad: false, forwardCrcNone: false, dedupWindowMs: 200, liveMaxAgeMs: 60_000,
      logger: silentLogger(),
      store: {
        append: (record) => {
          stored.set(record.phyPayload, (stored.get(record.phyPayload) ?? 0) + 1);
          return stored.size;
        },
      },
      now: () => now,
    });
    for (const e of events) {
      now = e.at;
      const frame: RadioFrame = {
        source: e.source, receivedAt: e.at, frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000,
        codeRate: '4/5', crc: 'ok', rssi: -80, snr: 7, payload: e.payload,
      };
      p.handle(frame);
    }
    const where = `seed ${seed}, round ${round}`;
    assert.is(stored.size, distinct, `${where}: every transmission stored`);
    assert.ok([...stored.values()].every((n) => n === 1), `${where}: none stored twice`);
    assert.is(p.counters.duplicates, events.length - distinct, `${where}: the other copies counted as duplicates`);
  }
});

test.run();
