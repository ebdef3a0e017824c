// RemovedSeqs: merged ranges of seqs that left the outbox on purpose, checked against a plain set
// over seeded random operations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RemovedSeqs } from '../../../src/outbox/removed-seqs.js';
import { prng, randomSeed } from '../../helpers/faults/prng.js';

test('ranges merge when they touch or overlap', () => {
  const r = new RemovedSeqs(0);
  r.addRange(5, 9);
  r.addRange(10, 12);
  r.addRange(1, 3);
  assert.is(r.size, 2);
  assert.ok(r.covers(5, 12));
  assert.not.ok(r.covers(3, 5));
  r.add([4]);
  assert.is(r.size, 1);
  assert.ok(r.covers(1, 12));
});

test('seqs at or below the floor count as removed', () => {
  const r = new RemovedSeqs(100);
  assert.ok(r.covers(1, 100));
  assert.not.ok(r.covers(100, 101));
  r.raiseFloor(200);
  assert.ok(r.covers(150, 200));
});

test('agrees with a plain set over random operations', () => {
  const seed = Number(process.env.LORA_EDGE_FUZZ_SEED ?? randomSeed());
  const rng = prng(seed);
  const r = new RemovedSeqs(0);
  const plain = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const from = rng.int(1, 500);
    const to = from + rng.int(0, 5);
    r.addRange(from, to);
    for (let s = from; s <= to; s++) plain.add(s);
    const a = rng.int(1, 505);
    const b = a + rng.int(0, 8);
    let expected = true;
    for (let s = a; s <= b; s++) if (!plain.has(s)) expected = false;
    assert.is(r.covers(a, b), expected, `seed ${seed}: covers(${a}, ${b}) after ${i + 1} additions`);
  }
});

test.run();
