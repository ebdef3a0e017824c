// The read memo serves the acknowledgement of a batch that is a prefix of what was read (the usual
// case: reads are bounded by batch.maxBytes, batches by the MQTT packet limit), and the rest to the
// batches after it; seeded read and batch sizes, with holes in the seqs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReadMemo } from '../../../src/outbox/read-memo.js';
import { recordKey } from '../../../src/outbox/keys.js';
import type { StoredRef } from '../../../src/outbox/store.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`read-memo seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

const entry = (seq: number): StoredRef => ({ key: recordKey(seq), seq, bytes: `{"seq":${seq}}`.length });

test('batches cut from one read are each served from it, in order, then nothing is left', () => {
  const rnd = seededRandom(seed);
  for (let round = 0; round < 200; round++) {
    let seq = rnd.int(1, 1e6);
    const read: StoredRef[] = [];
    for (let i = rnd.int(1, 400); i > 0; i--) {
      read.push(entry(seq));
      seq += rnd.chance(0.1) ? rnd.int(2, 5) : 1;
    }
    const memo = new ReadMemo();
    memo.remember(read[0].seq!, read[read.length - 1].seq!, read);
    let at = 0;
    while (at < read.length) {
      const n = rnd.int(1, read.length - at);
      const batch = read.slice(at, at + n);
      const got = memo.take(batch[0].seq!, batch[batch.length - 1].seq!);
      assert.equal(got?.map((e) => e.seq), batch.map((e) => e.seq), `seed ${seed}, round ${round}, at ${at}`);
      at += n;
    }
    assert.is(memo.take(read[0].seq!, read[read.length - 1].seq!), undefined, 'all taken');
  }
});

test('a range not read, or reaching past the read, is not served (and the read is forgotten)', () => {
  for (const [from, to] of [[11, 12], [10, 13], [5, 10]]) {
    const memo = new ReadMemo();
    memo.remember(10, 12, [entry(10), entry(11), entry(12)]);
    assert.is(memo.take(from, to), undefined, `${from}..${to}`);
    assert.is(memo.take(10, 12), undefined, `after ${from}..${to}`);
  }
  const memo = new ReadMemo();
  memo.remember(10, 12, [entry(10), entry(11), entry(12)]);
  assert.is(memo.take(13, 20), undefined);
  assert.equal(memo.take(10, 12)?.map((e) => e.seq), [10, 11, 12], 'a range beside it leaves it alone');
});


test('reads running ahead of acknowledgements: each batch is still served from the read it was cut from', () => {
  const rnd = seededRandom(seed + 1);
  for (let round = 0; round < 200; round++) {
    const memo = new ReadMemo();
    // Reads a little longer than the batches cut from them; the next read starts after the batch.
    const batches: Array<{ from: number; to: number; seqs: number[] }> = [];
    let next = rnd.int(1, 1e6);
    for (let i = rnd.int(1, 12); i > 0; i--) {
      const read = Array.from({ length: rnd.int(1, 60) }, (_, k) => entry(next + k));
      memo.remember(read[0].seq!, read[read.length - 1].seq!, read);
      const cut = rnd.int(1, read.length);
      batches.push({ from: read[0].seq!, to: read[cut - 1].seq!, seqs: read.slice(0, cut).map((e) => e.seq!) });
      next = read[cut - 1].seq! + 1;
    }
    // Acknowledged later, in any order (PUBACKs of batches in flight).
    for (const b of batches.sort(() => rnd.next() - 0.5)) {
      assert.equal(memo.take(b.from, b.to)?.map((e) => e.seq), b.seqs, `seed ${seed}, round ${round}, batch ${b.from}..${b.to}`);
    }
  }
});

test('an acknowledged seq is never served again: overlapping reads are forgotten', () => {
  const memo = new ReadMemo();
  const read = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));
  memo.remember(100, 483, read(100, 483));
  assert.equal(memo.take(100, 290)?.length, 191);
  // A rewind re-reads from an earlier point with another cut: the older rest is superseded.
  memo.remember(250, 640, read(250, 640));
  assert.is(memo.take(291, 483), undefined, 'the older rest was superseded by the newer read');
  // That miss was acknowledged the slow way: the newer read no longer lists 291..483 either.
  assert.is(memo.take(250, 640), undefined);
  memo.remember(484, 700, read(484, 700));
  memo.forget(600, 600);
  assert.is(memo.take(484, 500), undefined, 'a seq list acknowledged inside a read drops the read');
});

test.run();
