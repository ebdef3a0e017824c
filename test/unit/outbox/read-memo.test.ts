// The read memo serves the acknowledgement of a batch that is a prefix of what was read (the usual
// case: reads are bounded by batch.maxBytes, batches by the MQTT packet limit), and the rest to the
// batches after it; seeded read and batch sizes, with holes in the seqs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReadMemo } from '../../../src/outbox/read-memo.js';
import { recordKey } from '../../../src/outbox/keys.js';
import type { StoredEntry } from '../../../src/outbox/store.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`read-memo seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

const entry = (seq: number): StoredEntry => ({ key: recordKey(seq), seq, value: Buffer.from(`{"seq":${seq}}`) });

test('batches cut from one read are each served from it, in order, then nothing is left', () => {
  const rnd = seededRandom(seed);
  for (let round = 0; round < 200; round++) {
    let seq = rnd.int(1, 1e6);
    const read: StoredEntry[] = [];
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

test('a range not read, or reaching past the read, is not served', () => {
  const memo = new ReadMemo();
  memo.remember(10, 12, [entry(10), entry(11), entry(12)]);
  assert.is(memo.take(11, 12), undefined);
  assert.is(memo.take(10, 13), undefined);
  assert.equal(memo.take(10, 12)?.map((e) => e.seq), [10, 11, 12]);
});

test.run();
