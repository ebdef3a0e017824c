// The memory-over-time bench reports growth per hour as a least-squares slope: on exact lines it
// must give the line's slope whatever the spacing and order of the points, ignore a constant
// offset, be pulled less by one outlier than a first-to-last difference, and refuse to guess.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slope } from '../../scripts/bench/trend.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';

test('an exact line gives its slope, for random lines, spacings and orders', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_TREND_SEED', 'bench trend'));
  for (let round = 0; round < 200; round++) {
    const a = (random.next() - 0.5) * 200;
    const b = (random.next() - 0.5) * 20;
    const n = random.int(2, 60);
    const xs = Array.from({ length: n }, (_, i) => i + random.next() * 0.9);
    // Shuffled: the slope does not depend on the order of the points.
    for (let i = n - 1; i > 0; i--) {
      const j = random.int(0, i);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    const ys = xs.map((x) => a + b * x);
    const got = slope(xs, ys);
    assert.ok(Math.abs(got - b) < 1e-9 * Math.max(1, Math.abs(b)), `seed ${random.seed} round ${round}: ${got} != ${b}`);
  }
});

test('flat series with one spike: the slope stays near zero where first-to-last would not', () => {
  const xs = Array.from({ length: 10 }, (_, i) => i + 2);
  const ys = xs.map(() => 100);
  ys[ys.length - 1] = 110;
  const s = slope(xs, ys);
  assert.ok(s > 0 && s < 10 / 9, `slope ${s}`);
});

test('too few points or a single x: NaN, never a number made up', () => {
  assert.ok(Number.isNaN(slope([], [])));
  assert.ok(Number.isNaN(slope([1], [5])));
  assert.ok(Number.isNaN(slope([3, 3, 3], [1, 2, 3])));
  // Lengths that differ: only the common prefix counts.
  assert.is(slope([0, 1, 2, 3], [0, 2, 4]), 2);
});

test.run();
