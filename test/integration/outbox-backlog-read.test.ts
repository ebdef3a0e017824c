// Reading the backlog (the store reopened, so nothing comes from the recent cache) with seeded
// random record sizes, damaged values and read limits, walked like the batch publisher walks it:
// each read returns the greedy prefix a model predicts (damaged values skipped, maxRecords and
// maxBytes kept, one oversized record still returned alone), a deleted value was always a damaged
// one, and the walk returns every intact record exactly once and removes every damaged one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Level } from 'level';
import { Outbox } from '../../src/outbox/index.js';
import { recordKey } from '../../src/outbox/keys.js';
import { removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { randomSeed } from '../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`outbox-backlog-read seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

const DAMAGE = [Buffer.from('{"seq":'), Buffer.from([0xff, 0x00]), Buffer.from('not json'), Buffer.from('{"seq":1}')];

test('seeded backlog walks: greedy prefixes, damaged values skipped and deleted, intact ones each read once', async () => {
  const r = seededRandom(seed);
  for (let round = 0; round < 6; round += 1) {
    const dir = tempDir();
    const n = r.int(50, 400);
    const sizes = new Map<number, number>();
    const damaged = new Set<number>();
    let ob = await Outbox.open({ dir, flushMaxRecords: 1000 });
    try {
      for (let seq = 1; seq <= n; seq += 1) {
        const rec = sampleRecord(seq, undefined, r.chance(0.1) ? r.int(200, 3000) : r.int(0, 60));
        ob.append(rec);
        sizes.set(seq, storedSize(seq, rec));
      }
      await ob.close();
      const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await raw.open();
      for (let seq = 1; seq <= n; seq += 1) {
        if (!r.chance(0.08)) continue;
        damaged.add(seq);
        await raw.put(recordKey(seq), r.pick(DAMAGE));
      }
      await raw.close();

      ob = await Outbox.open({ dir, flushMaxRecords: 1000 });
      const returned: number[] = [];
      let cursor = 0;
      for (let reads = 0; ; reads += 1) {
        assert.ok(reads < 10 * n, `seed ${seed} round ${round}: the walk does not end`);
        const maxRecords = r.int(1, 60);
        const maxBytes = r.pick([1, 500, 2000, 16_384, 131_072, r.int(1, 40_000)]);
        // The model: intact records after the cursor, greedily, as the reader must cut them.
        const expected: number[] = [];
        let used = 0;
        for (let seq = cursor + 1; seq <= n && expected.length < maxRecords; seq += 1) {
          if (damaged.has(seq)) continue;
          const size = sizes.get(seq)!;
          if (expected.length > 0 && used + size > maxBytes) break;
          expected.push(seq);
          used += size;
        }
        const got = (await ob.readBatch(cursor, maxRecords, maxBytes)).map((rec) => rec.seq);
        assert.equal(got, expected, `seed ${seed} round ${round}: read after ${cursor}, ${maxRecords} records, ${maxBytes} bytes`);
        if (got.length === 0) break;
        returned.push(...got);
        cursor = got[got.length - 1];
      }
      const intact = Array.from({ length: n }, (_, i) => i + 1).filter((seq) => !damaged.has(seq));
      assert.equal(returned, intact, `seed ${seed} round ${round}: every intact record once, in order`);
      assert.is(ob.stats().dropped.corrupt, damaged.size, `seed ${seed} round ${round}: every damaged value removed`);
      assert.is(ob.stats().depth, intact.length, `seed ${seed} round ${round}: only damaged values were deleted`);
    } finally {
      await ob.close();
      removeDir(dir);
    }
  }
});

test.run();
