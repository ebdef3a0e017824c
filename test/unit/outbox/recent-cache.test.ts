import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecentCache } from '../../../src/outbox/recent-cache.js';
import { RecordColumns } from '../../../src/outbox/record-columns.js';
import { RecordRun } from '../../../src/outbox/record-run.js';
import type { NewRecord } from '../../../src/outbox/record-encoding.js';
import type { StoredRecord } from '../../../src/outbox/stored-record.js';
import { seededRandom, seedFromEnv } from '../../helpers/seeded-random.js';

/** A run of records with these seqs, each `size` bytes filled with its seq's low byte. */
function run(seqList: number[], size = 10): RecordRun {
  const n = Math.max(seqList.length, 1);
  const columns = new RecordColumns(n, n * size, n * 24);
  for (const seq of seqList) {
    columns.reserve(size).fill(seq & 0xff);
    columns.commit(seq, size, { capturedAt: `t${seq}` } as unknown as NewRecord);
  }
  return new RecordRun(columns, 0, seqList.length);
}
const rec = (seq: number, size = 10): RecordRun => run([seq], size);
const seqs = (rs: StoredRecord[]) => rs.map((r) => r.seq);
const cachedIn = (c: RecentCache, from: number, to: number): number[] => {
  const out: number[] = [];
  c.collect(from, to, out);
  return out;
};
/** All that is stored is in the cache: no backlog on disk before it. */
const NO_BACKLOG = 0;

test('covers everything above the floor; reads in order with limits', () => {
  const c = new RecentCache(1000, 10);
  assert.not.ok(c.covers(9), 'seq 10 and below may be on disk only');
  assert.ok(c.covers(10));
  c.add(run([11, 12, 13, 14]), NO_BACKLOG);
  assert.equal(seqs(c.read(10, 100, 1000)), [11, 12, 13, 14]);
  assert.equal(seqs(c.read(12, 100, 1000)), [13, 14]);
  assert.equal(seqs(c.read(10, 2, 1000)), [11, 12]);
  assert.equal(seqs(c.read(10, 100, 25)), [11, 12], 'byte limit');
  assert.equal(seqs(c.read(10, 100, 1)), [11], 'always at least one');
  assert.equal(seqs(c.read(14, 100, 1000)), []);
});

test('eviction past the byte bound raises the floor', () => {
  const c = new RecentCache(35, 0);
  c.add(run([1, 2, 3]), NO_BACKLOG);
  assert.is(c.floor, 0);
  c.add(rec(4), NO_BACKLOG);
  assert.is(c.floor, 1, 'seq 1 now only on disk');
  assert.not.ok(c.covers(0));
  assert.equal(seqs(c.read(1, 10, 100)), [2, 3, 4]);
});

test('removal from the front and from the middle', () => {
  const c = new RecentCache(10_000, 0);
  c.add(run([1, 2, 3]), NO_BACKLOG);
  c.add(run([4, 5, 6]), NO_BACKLOG);
  c.remove([1, 2]);
  assert.is(c.firstSeq(), 3);
  c.remove([5]);
  assert.equal(seqs(c.read(0, 10, 10_000)), [3, 4, 6]);
  assert.equal(cachedIn(c, 3, 5), [3, 4]);
  assert.is(c.collect(3, 6, []), 30, 'stored bytes of 3, 4 and 6');
  c.remove([3, 4, 6, 99]);
  assert.is(c.size, 0);
  assert.is(c.firstSeq(), null);
  assert.is(c.lastSeq(), null);
  assert.is(c.firstCapturedAt(), null);
});

test('many acks from the front stay cheap and correct', () => {
  const c = new RecentCache(1e9, 0);
  for (let s = 1; s <= 5000; s++) c.add(rec(s, 1), NO_BACKLOG);
  for (let s = 1; s <= 4990; s += 10) c.remove([s, s + 1, s + 2, s + 3, s + 4, s + 5, s + 6, s + 7, s + 8, s + 9]);
  assert.equal(seqs(c.read(0, 100, 1e9)), [4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
});

test('behind a deep backlog nothing is kept; caching resumes once the backlog has shrunk', () => {
  const c = new RecentCache(100, 0);
  // 900 bytes stored before these five records: more than eight times the bound.
  c.add(run([1, 2, 3, 4, 5]), 900 + 50);
  assert.is(c.size, 0);
  assert.is(c.floor, 5, 'the five are on disk only');
  assert.not.ok(c.covers(4));
  assert.ok(c.covers(5));
  c.add(rec(6), 900 + 60);
  assert.equal([c.size, c.floor], [0, 6]);
  // The drain took most of the backlog away meanwhile.
  c.add(run([7, 8]), 700 + 20);
  assert.equal([c.size, c.floor], [2, 6]);
  assert.equal(seqs(c.read(6, 10, 1000)), [7, 8]);
  c.add(rec(9), 800 + 30);
  assert.equal(seqs(c.read(6, 10, 1000)), [7, 8, 9], 'exactly eight times the bound before it: still kept');
});

// The engine's own collector, so the test can see which values the cache still holds.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

test('records evicted or removed from the front are let go at once, not at the next compaction', async () => {
  // Seeded: how many are added, evicted by the byte bound and acknowledged varies from run to run.
  const random = seededRandom(seedFromEnv('LORA_EDGE_RECENT_CACHE_SEED', 'recent cache lets go'));
  const seed = random.seed;
  const total = random.int(300, 999);
  const bound = random.int(50, 249) * 10;
  const c = new RecentCache(bound, 0);
  const refs = new Map<number, WeakRef<Buffer>>();
  for (let s = 1; s <= total; s++) {
    const r = rec(s);
    refs.set(s, new WeakRef(r.columns.values));
    c.add(r, NO_BACKLOG);
  }
  const acked = random.int(0, c.size - 1);
  c.remove(Array.from({ length: acked }, (_, i) => c.firstSeq()! + i));
  const kept = new Set(seqs(c.read(0, 1e9, 1e9)));
  assert.is(kept.size, Math.min(total, bound / 10) - acked, `seed ${seed}`);
  // Out of this turn first: WeakRefs keep their target for the turn that made or read them.
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  for (const [s, ref] of refs) {
    assert.is(ref.deref() !== undefined, kept.has(s), `seed ${seed}: seq ${s} ${kept.has(s) ? 'lost while cached' : 'still held after it left the cache'}`);
  }
});

test('removal of any seq list (ack runs, overlaps, holes, duplicates, seqs never cached, any order) against a plain model (seeded)', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_RECENT_CACHE_SEED', 'recent cache removal'));
  const c = new RecentCache(1e9, 0);
  let model: number[] = [];
  let next = 1;
  for (let round = 0; round < 2000; round++) {
    const added = Array.from({ length: random.int(0, 20) }, () => next++);
    c.add(run(added), NO_BACKLOG);
    model.push(...added);
    // Mostly an ack of a run from the front, as the hub acknowledges; sometimes anything.
    const list: number[] = [];
    const shape = random.next();
    if (shape < 0.6 && model.length > 0) {
      const from = model[0] - random.int(0, 3);
      for (let s = from; s <= from + random.int(0, 30); s++) list.push(s);
    } else {
      for (let n = random.int(0, 15); n > 0; n--) list.push(random.int(Math.max(1, next - 60), next + 2));
      if (random.chance(0.5)) list.sort((a, b) => a - b);
    }
    c.remove(list);
    const gone = new Set(list);
    model = model.filter((s) => !gone.has(s));
    assert.equal(seqs(c.read(0, 1e9, 1e12)), model, `seed ${random.seed}, round ${round}: removed ${JSON.stringify(list)}`);
    assert.is(c.size, model.length);
    assert.is(c.firstSeq(), model[0] ?? null);
    assert.is(c.lastSeq(), model[model.length - 1] ?? null);
    const from = random.int(Math.max(1, next - 80), next);
    const to = from + random.int(0, 40);
    assert.equal(cachedIn(c, from, to), model.filter((s) => s >= from && s <= to), `seed ${random.seed}, round ${round}: collect ${from}..${to}`);
  }
});

test.run();
