import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MinuteHistory } from '../../../src/ops/minute-history.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

test('frames are counted in the minute they arrived in; depth is the last sample, maxDepth the highest', () => {
  const h = new MinuteHistory(60);
  h.sample(100, 0, T0);
  h.sample(110, 5, T0 + 10_000);
  h.sample(130, 2, T0 + 50_000);
  h.sample(131, 7, T0 + 61_000);
  assert.equal(h.series(), [
    { t: T0, frames: 30, depth: 2, maxDepth: 5 },
    { t: T0 + 60_000, frames: 1, depth: 7, maxDepth: 7 },
  ]);
});

test('only the last hour is kept', () => {
  const h = new MinuteHistory(60);
  for (let m = 0; m < 180; m++) h.sample(m * 10, m, T0 + m * 60_000);
  const s = h.series();
  assert.is(s.length, 60);
  assert.is(s[59].t, T0 + 179 * 60_000);
  assert.is(s[0].t, T0 + 120 * 60_000);
});

test('a counter that goes backwards adds nothing', () => {
  const h = new MinuteHistory();
  h.sample(100, 0, T0);
  h.sample(5, 0, T0 + 1000);
  h.sample(7, 0, T0 + 2000);
  assert.is(h.series()[0].frames, 2);
});

test.run();
