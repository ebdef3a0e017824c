// The per-uplink log lines: at most N a second at info, the rest counted and reported once; every
// uplink at debug. Seeded timelines check that nothing is both logged and counted, or neither.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { UplinkLogBudget } from '../../../src/pipeline/uplink-log-budget.js';
import { UplinkPipeline } from '../../../src/pipeline/uplink-pipeline.js';
import { createLogger } from '../../../src/log.js';
import { buildDataUplink } from '../../../src/lorawan/builders.js';
import type { RadioFrame } from '../../../src/radio/radio-frame.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`uplink-log-budget seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

const budget = suite('uplink log budget');

budget('every uplink is logged or counted once, at most N logged in any window', () => {
  const rnd = seededRandom(seed);
  for (let round = 0; round < 50; round++) {
    const perSecond = rnd.int(0, 20);
    const b = new UplinkLogBudget(perSecond);
    let t = rnd.int(0, 1e12);
    let logged = 0;
    let reported = 0;
    let windowStart = t;
    let inWindow = 0;
    const n = rnd.int(1, 2000);
    for (let i = 0; i < n; i++) {
      t += rnd.chance(0.02) ? rnd.int(1000, 5000) : rnd.int(0, 20);
      const turn = b.take(t);
      if (turn.unloggedBefore > 0 || t - windowStart >= 1000) {
        windowStart = t;
        inWindow = 0;
      }
      reported += turn.unloggedBefore;
      if (turn.log) {
        logged += 1;
        inWindow += 1;
      }
      assert.ok(inWindow <= perSecond, `round ${round}: ${inWindow} lines in one window, limit ${perSecond}`);
    }
    // The last window is reported by the first uplink after it.
    reported += b.take(t + 1000).unloggedBefore;
    assert.is(logged + reported, n, `round ${round}: logged ${logged} + reported ${reported} of ${n}`);
  }
});

budget('a clock stepped back starts a new window', () => {
  const b = new UplinkLogBudget(1);
  assert.ok(b.take(10_000).log);
  assert.not.ok(b.take(10_001).log);
  const turn = b.take(5_000);
  assert.ok(turn.log);
  assert.is(turn.unloggedBefore, 1);
});

budget('refuses a negative or fractional limit', () => {
  assert.throws(() => new UplinkLogBudget(-1), /integer >= 0/);
  assert.throws(() => new UplinkLogBudget(1.5), /integer >= 0/);
});

budget.run();

const pipeline = suite('uplink pipeline log lines');

function frame(fCnt: number, receivedAt: number): RadioFrame {
  return {
    source: 'udp', receivedAt, frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000,
    codeRate: '4/5', crc: 'ok', rssi: -80, snr: 7,
    payload: buildDataUplink({ devAddr: 0x26011234, fCnt32: fCnt, fPort: 1, payload: Buffer.from([fCnt & 0xff]), nwkSKey: Buffer.alloc(16, 1), appSKey: Buffer.alloc(16, 2) }),
  };
}

function run(level: 'info' | 'debug', perSecond: number | undefined, times: number[]): Array<Record<string, unknown>> {
  const out = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  out.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  let now = 0;
  let seq = 0;
  const p = new UplinkPipeline({
    forwardCrcBad: false, forwardCrcNone: false, dedupWindowMs: 200, liveMaxAgeMs: 60_000,
    logger: createLogger({ level, format: 'json', destination: out }),
    store: { append: () => ++seq },
    uplinkLinesPerSecond: perSecond,
    now: () => now,
  });
  times.forEach((t, i) => {
    now = t;
    p.handle(frame(i + 1, t));
  });
  assert.is(seq, times.length, 'every frame stored, logged or not');
  return lines;
}

pipeline('info: N lines a second, then one line with the count when the next second starts', () => {
  const times = [...Array.from({ length: 10 }, (_, i) => 1_000_000 + i), 1_001_500];
  const lines = run('info', 3, times);
  const uplinks = lines.filter((l) => l.msg === 'uplink');
  assert.equal(uplinks.map((l) => l.fCnt), [1, 2, 3, 11]);
  const summary = lines.filter((l) => l.unlogged !== undefined);
  assert.is(summary.length, 1);
  assert.is(summary[0].unlogged, 7);
  assert.match(String(summary[0].msg), /^7 uplinks in the last second were not logged one by one/);
});

pipeline('debug: every uplink, whatever the limit; no limit given: every uplink', () => {
  const times = Array.from({ length: 10 }, (_, i) => 2_000_000 + i);
  assert.is(run('debug', 2, times).filter((l) => l.msg === 'uplink').length, 10);
  assert.is(run('info', undefined, times).filter((l) => l.msg === 'uplink').length, 10);
  assert.is(run('info', 0, times).filter((l) => l.msg === 'uplink').length, 0);
});

pipeline.run();
