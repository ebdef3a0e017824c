// Dropping copies of one transmission heard more than once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DedupCache } from '../../../src/lorawan/index.js';
import { hashOf } from '../../../src/lorawan/dedup.js';
import { seedFromEnv, seededRandom } from '../../helpers/seeded-random.js';

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

test('payloads far larger than LoRaWAN\'s are bounded in bytes: the oldest is forgotten, never a false duplicate', () => {
  // maxEntries 100 allows 64 KiB of payloads: twenty of 20 KiB cannot all be remembered.
  const d = new DedupCache({ windowMs: 1000, maxEntries: 100 });
  const big = (i: number) => Buffer.alloc(20 * 1024, i);
  for (let i = 0; i < 20; i++) assert.is(d.seen(big(i), 0), false);
  assert.ok(d.size < 20 && d.size >= 1, `size ${d.size}`);
  assert.is(d.seen(big(19), 1), true, 'the newest is remembered');
  assert.is(d.seen(big(0), 1), false, 'the oldest was forgotten, so its copy passes');
  assert.is(d.seen(Buffer.alloc(20 * 1024 - 1, 19), 1), false, 'a shorter payload of the same bytes is another payload');
  // One payload larger than the whole bound is still remembered.
  const huge = Buffer.alloc(200 * 1024, 1);
  assert.is(d.seen(huge, 2), false);
  assert.is(d.seen(Buffer.from(huge), 3), true);
});

test('payloads with the same hash are told apart by their bytes (seeded search for collisions)', () => {
  const rnd = seededRandom(seedFromEnv('LORA_EDGE_SEED', 'dedup hash collisions'));
  // About 2^16 random payloads of one length give a 32-bit collision more often than not (birthday bound).
  const d = new DedupCache();
  const byHash = new Map<number, Buffer>();
  const pairs: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < 400_000 && pairs.length < 3; i++) {
    const p = Buffer.from(Array.from({ length: 8 }, () => rnd.int(0, 255)));
    const hash = hashOf(p, d.hashSeed);
    const other = byHash.get(hash);
    if (other && !other.equals(p)) pairs.push([other, p]);
    else byHash.set(hash, p);
  }
  assert.ok(pairs.length > 0, `seed ${rnd.seed}: no collision found`);
  for (const [a, b] of pairs) {
    d.clear();
    assert.is(d.seen(a, 0), false);
    assert.is(d.seen(b, 1), false, `seed ${rnd.seed}: ${a.toString('hex')} and ${b.toString('hex')} share a hash, not their bytes`);
    assert.is(d.seen(Buffer.from(a), 2), true);
    assert.is(d.seen(Buffer.from(b), 3), true);
    assert.is(d.size, 2);
  }
  // Another cache hashes with another seed: the same pairs no longer collide there (a fixed hash
  // would let a sender fill one bucket on every gateway).
  const other = new DedupCache();
  assert.ok(pairs.some(([a, b]) => hashOf(a, other.hashSeed) !== hashOf(b, other.hashSeed)), 'the seed changes the hash');
});

test('invalid options throw', () => {
  assert.throws(() => new DedupCache({ windowMs: 0 }), /windowMs/);
  assert.throws(() => new DedupCache({ maxEntries: 0 }), /maxEntries/);
});

/** The rule in its plainest form: scan every remembered payload on every frame. */
class PlainDedup {
  private readonly firstSeen = new Map<string, number>();
  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}
  seen(payload: Uint8Array, nowMs: number): boolean {
    for (const [key, at] of this.firstSeen) {
      if (nowMs - at < this.windowMs) break;
      this.firstSeen.delete(key);
    }
    const key = Buffer.from(payload).toString('latin1');
    const at = this.firstSeen.get(key);
    if (at !== undefined) {
      if (nowMs - at < this.windowMs) return true;
      this.firstSeen.delete(key);
    }
    this.firstSeen.set(key, nowMs);
    if (this.firstSeen.size > this.maxEntries) this.firstSeen.delete(this.firstSeen.keys().next().value!);
    return false;
  }
  get size(): number {
    return this.firstSeen.size;
  }
}

test('answers as the plain rule does: random payloads, repeats, bursts, small bounds, the clock stepping back (seeded)', () => {
  const seed = seedFromEnv('LORA_EDGE_SEED', 'dedup against the plain rule');
  const rnd = seededRandom(seed);
  for (let run = 0; run < 40; run++) {
    const windowMs = rnd.int(1, 300);
    const maxEntries = rnd.chance(0.3) ? rnd.int(1, 20) : 10_000;
    const d = new DedupCache({ windowMs, maxEntries });
    const plain = new PlainDedup(windowMs, maxEntries);
    // Short payloads over a tiny alphabet collide in the hash table and share prefixes; long ones
    // (some past LoRaWAN's 255 bytes, some empty) wrap, grow and compact the byte ring; many
    // distinct ones grow the slot ring.
    // Payloads of kilobytes (few, so that the ring stays small) leave wide gaps where it wraps and,
    // with the clock stepping back often, dead slots: the ring's tail then comes up to its head.
    const longest = rnd.pick([6, 40, 300, 4000]);
    const distinct = longest === 4000 ? rnd.int(2, 8) : rnd.chance(0.2) ? rnd.int(300, 2000) : rnd.int(1, 60);
    const stepBack = longest === 4000 ? 0.2 : 0.02;
    const payloads = Array.from({ length: distinct }, () => Buffer.from(Array.from({ length: rnd.int(longest === 6 ? 1 : 0, longest) }, () => rnd.int(0, longest === 6 ? 3 : 255))));
    let now = rnd.int(0, 1e6);
    for (let i = 0; i < 5000; i++) {
      now += rnd.chance(stepBack) ? -rnd.int(0, 500) : rnd.chance(0.5) ? 0 : rnd.int(0, 40);
      // Sometimes a copy in a buffer of its own, at an offset in a larger one.
      const picked = rnd.pick(payloads);
      const pad = rnd.int(0, 5);
      const p = rnd.chance(0.3) ? Buffer.concat([Buffer.alloc(pad, 7), picked]).subarray(pad) : picked;
      const where = `seed ${seed} (LORA_EDGE_SEED replays it), run ${run}, frame ${i}`;
      assert.is(d.seen(p, now), plain.seen(p, now), where);
      assert.is(d.size, plain.size, where);
    }
  }
});

test('the byte ring wraps, fills to its oldest payload and grows without losing a payload (seeded)', () => {
  // Payloads of up to a quarter of the ring's first size (16 KiB), a short window and frequent
  // steps back of the clock: the ring's tail keeps meeting its head and its wrap gaps.
  const seed = seedFromEnv('LORA_EDGE_SEED', 'dedup byte ring');
  const rnd = seededRandom(seed);
  for (let run = 0; run < 200; run++) {
    const windowMs = rnd.int(5, 60);
    const d = new DedupCache({ windowMs });
    const plain = new PlainDedup(windowMs, 10_000);
    const payloads = Array.from({ length: rnd.int(2, 12) }, (_, i) => {
      // Lengths in steps of 512 bytes, so that a payload often fits the room left exactly.
      const p = Buffer.alloc(512 * rnd.int(0, 8), rnd.int(0, 255));
      if (p.length > 0) p[0] = i;
      return p;
    });
    let now = 1e6;
    for (let i = 0; i < 2000; i++) {
      now += rnd.chance(0.1) ? -rnd.int(0, 100) : rnd.int(0, 10);
      const p = rnd.pick(payloads);
      const where = `seed ${seed} (LORA_EDGE_SEED replays it), run ${run}, frame ${i}`;
      assert.is(d.seen(p, now), plain.seen(p, now), where);
      assert.is(d.size, plain.size, where);
    }
  }
});

test.run();
