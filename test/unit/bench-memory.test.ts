// The benches' settled memory: the median after the first third of a phase, so that the start-up
// peak (the first seconds at full rate) and what the daemon holds afterwards are told apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settledMedian } from '../../scripts/bench/daemon-memory.js';

test('the median of the later two thirds, in the order sampled', () => {
  // A start-up peak, then a settled level with a little noise.
  assert.is(settledMedian([30, 52, 50, 44, 43, 45, 44, 42, 44]), 44);
  assert.is(settledMedian([10, 20, 30, 40]), 30);
  assert.is(settledMedian([5, 1, 9]), 5);
  assert.is(settledMedian([100, 1, 2, 3, 4, 5]), 3.5);
});

test('too few samples give no figure rather than a misleading one', () => {
  assert.ok(Number.isNaN(settledMedian([])));
  assert.ok(Number.isNaN(settledMedian([42, 43])));
});

test('the samples given are left as they were', () => {
  const samples = [9, 8, 7, 6, 5, 4];
  settledMedian(samples);
  assert.equal(samples, [9, 8, 7, 6, 5, 4]);
});

test.run();
