// Dropping copies of one transmission heard more than once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DedupCache } from '../../../src/lorawan/index.js';

const A = Buffer.from('40f17dbe4900020001954378762b11ff0d', 'hex');
const B = Buffer.from('40f17dbe4900030001954378762b11ff0d', 'hex');

test('second copy within 200 ms is a duplicate; at 200 ms it is new again', () => {
  const d = new DedupCache();
  assert.is(d.seen(A, 1000), false);
  assert.is(d.seen(Buffer.from(A), 1050), true, 'same bytes, other buffer');
  assert.is(d.seen(A, 1199), true);
  assert.is(d.seen(A, 1200), false, 'window elapsed');
  assert.is(d.seen(A, 1300), true, 'remembered again from 1200');
});

test('duplicates do not extend the window', () => {
  const d = new DedupCache({ windowMs: 100 });
  d.seen(A, 0);
  assert.is(d.seen(A, 90), true);
  assert.is(d.seen(A, 100), false);
});

test('different payloads are independent', () => {
  const d = new DedupCache();
  assert.is(d.seen(A, 0), false);
  assert.is(d.seen(B, 1), false);
  assert.is(d.seen(B, 2), true);
  assert.is(d.seen(A.subarray(0, 16), 3), false, 'a prefix is another payload');
});

test('expired entries are dropped and size stays bounded', () => {
  const d = new DedupCache({ windowMs: 10, maxEntries: 3 });
  for (let i = 0; i < 5; i++) d.seen(Buffer.from([i]), 0);
  assert.is(d.size, 3);
  assert.is(d.seen(Buffer.from([0]), 1), false, 'oldest was evicted');
  assert.is(d.seen(Buffer.from([4]), 1), true, 'newest kept');
  d.seen(Buffer.from([9]), 50);
  assert.is(d.size, 1, 'all older entries expired');
  d.clear();
  assert.is(d.size, 0);
});

test('invalid options throw', () => {
  assert.throws(() => new DedupCache({ windowMs: 0 }), /windowMs/);
  assert.throws(() => new DedupCache({ maxEntries: 0 }), /maxEntries/);
});

test.run();
