import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RingBuffer } from '../../src/ring-buffer.js';

test('keeps the last `capacity` items, oldest first in toArray, newest first in newest()', () => {
  const r = new RingBuffer<number>(3);
  assert.equal(r.toArray(), []);
  assert.equal(r.newest(), []);
  r.push(1);
  r.push(2);
  assert.equal(r.toArray(), [1, 2]);
  for (let i = 3; i <= 10; i++) r.push(i);
  assert.is(r.size, 3);
  assert.is(r.pushed, 10);
  assert.equal(r.toArray(), [8, 9, 10]);
  assert.equal(r.newest(), [10, 9, 8]);
  assert.equal(r.newest(2), [10, 9]);
});

test('matches a plain array trimmed to the capacity (seeded)', () => {
  let seed = 20261206;
  console.log(`ring-buffer seed ${seed}`);
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 50; round++) {
    const cap = 1 + Math.floor(rand() * 9);
    const r = new RingBuffer<number>(cap);
    const ref: number[] = [];
    const n = Math.floor(rand() * 40);
    for (let i = 0; i < n; i++) {
      r.push(i);
      ref.push(i);
    }
    assert.equal(r.toArray(), ref.slice(-cap));
    assert.equal(r.newest(), ref.slice(-cap).reverse());
  }
});

test('a capacity below 1 is refused', () => {
  assert.throws(() => new RingBuffer(0), /positive integer/);
  assert.throws(() => new RingBuffer(1.5), /positive integer/);
});

test.run();
