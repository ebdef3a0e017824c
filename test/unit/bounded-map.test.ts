// BoundedMap: size bound with eviction of the least recently set entry, and expiry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoundedMap } from '../../src/bounded-map.js';

test('never holds more than maxEntries; evicts the least recently set', () => {
  const m = new BoundedMap<string, number>({ maxEntries: 3, ttlMs: 1000, now: () => 0 });
  for (let i = 0; i < 10; i++) m.set(`k${i}`, i);
  assert.is(m.size, 3);
  assert.is(m.evicted, 7);
  assert.is(m.get('k0'), undefined);
  assert.is(m.get('k9'), 9);
  m.set('k7', 70); // refreshed: now the newest
  m.set('k10', 10);
  assert.is(m.get('k8'), undefined);
  assert.is(m.get('k7'), 70);
});

test('entries expire ttlMs after they were last set; reads do not refresh', () => {
  let now = 0;
  const m = new BoundedMap<string, number>({ maxEntries: 10, ttlMs: 100, now: () => now });
  m.set('a', 1);
  now = 50;
  m.set('b', 2);
  assert.is(m.get('a'), 1);
  now = 100;
  assert.is(m.get('a'), undefined);
  assert.is(m.get('b'), 2);
  now = 149;
  m.sweep();
  assert.is(m.size, 1);
  now = 150;
  m.sweep();
  assert.is(m.size, 0);
});

test('refuses a nonsensical bound', () => {
  assert.throws(() => new BoundedMap({ maxEntries: 0, ttlMs: 1 }), /maxEntries/);
  assert.throws(() => new BoundedMap({ maxEntries: 1, ttlMs: 0 }), /ttlMs/);
});

test.run();
