import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEAD_META_KEY, TAIL_META_KEY } from '../../../src/outbox/keys.js';
import { decodeMeta, encodeMeta, metaPut, resolveMeta, type OutboxMeta } from '../../../src/outbox/meta.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const legacy = (m: OutboxMeta) => Buffer.from(JSON.stringify({ v: 1, ...m }));

test('meta round-trips with its generation and rejects damaged values', () => {
  const meta = { nextSeq: 42, bytes: 12_345, count: 7 };
  assert.equal(decodeMeta(encodeMeta(meta, 9)), { ...meta, gen: 9 });
  assert.equal(decodeMeta(legacy(meta)), { ...meta, gen: null }, 'an entry written before generations');
  assert.is(decodeMeta(undefined), null);
  assert.is(decodeMeta(Buffer.from('{not json')), null);
  assert.is(decodeMeta(Buffer.from('{"v":1,"nextSeq":-1,"bytes":0,"count":0}')), null);
  assert.is(decodeMeta(Buffer.from('{"v":2,"nextSeq":1,"bytes":0,"count":0}')), null);
  assert.is(decodeMeta(Buffer.from('{"v":1,"nextSeq":1,"bytes":0.5,"count":0}')), null);
  assert.is(decodeMeta(Buffer.from('{"v":1,"nextSeq":1,"bytes":0,"count":0,"g":-2}')), null);
  assert.is(decodeMeta(Buffer.from('{"v":1,"nextSeq":1,"bytes":0,"count":0,"g":"7"}')), null);
});

test('appends carry the meta above the records, deletions the one below', () => {
  const meta = { nextSeq: 5, bytes: 10, count: 2 };
  const up = metaPut(meta, 3, true);
  const down = metaPut(meta, 4, false);
  assert.ok(up.key.equals(TAIL_META_KEY));
  assert.ok(down.key.equals(HEAD_META_KEY));
  assert.equal(decodeMeta(up.value), { ...meta, gen: 3 });
  assert.equal(decodeMeta(down.value), { ...meta, gen: 4 });
});

test('resolveMeta takes the newer entry, and nextSeq from the higher', () => {
  const a = { nextSeq: 10, bytes: 100, count: 3 };
  const b = { nextSeq: 12, bytes: 150, count: 4 };
  assert.equal(resolveMeta(undefined, undefined), { meta: null, nextSeqFloor: 1, gen: 0, present: false, legacy: false }, 'a new store');
  assert.equal(resolveMeta(legacy(a), undefined), { meta: a, nextSeqFloor: 10, gen: 0, present: true, legacy: true }, 'a store from before the two entries');
  assert.equal(resolveMeta(encodeMeta(a, 3), encodeMeta(b, 5)), { meta: b, nextSeqFloor: 12, gen: 5, present: true, legacy: false });
  assert.equal(resolveMeta(encodeMeta(b, 6), encodeMeta(a, 5)), { meta: b, nextSeqFloor: 12, gen: 6, present: true, legacy: false });
  // Deletions after appends: the newer (head) entry's counters, and its nextSeq, which is the same.
  assert.equal(resolveMeta(encodeMeta({ ...b, count: 1, bytes: 30 }, 8), encodeMeta(b, 7)), { meta: { nextSeq: 12, bytes: 30, count: 1 }, nextSeqFloor: 12, gen: 8, present: true, legacy: false });
  assert.equal(resolveMeta(undefined, encodeMeta(b, 1)), { meta: b, nextSeqFloor: 12, gen: 1, present: true, legacy: false });
});

test('resolveMeta counts the store again when an entry is damaged or a daemon of the old kind wrote last', () => {
  const a = { nextSeq: 10, bytes: 100, count: 3 };
  const b = { nextSeq: 12, bytes: 150, count: 4 };
  assert.equal(resolveMeta(Buffer.from('{oops'), encodeMeta(b, 5)), { meta: null, nextSeqFloor: 12, gen: 5, present: true, legacy: false });
  assert.equal(resolveMeta(encodeMeta(a, 5), Buffer.from('')), { meta: null, nextSeqFloor: 10, gen: 5, present: true, legacy: false });
  // The old daemon wrote only the head entry, without a generation, after the new one wrote both.
  assert.equal(resolveMeta(legacy({ nextSeq: 20, bytes: 0, count: 0 }), encodeMeta(b, 9)), { meta: null, nextSeqFloor: 20, gen: 9, present: true, legacy: false });
  assert.equal(resolveMeta(legacy(a), encodeMeta(b, 9)).meta, null);
});

test('whatever batch was the last to reach the disk, the two entries resolve to the counters it wrote', () => {
  const seed = Number(process.env.LORA_EDGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rnd = seededRandom(seed);
  for (let run = 0; run < 200; run++) {
    // The store as open() left it: its head entry written back with a generation.
    let gen = rnd.int(0, 50);
    let state: OutboxMeta = { nextSeq: rnd.int(1, 1000), bytes: 0, count: 0 };
    const disk = new Map<string, Buffer>([[HEAD_META_KEY.toString('hex'), encodeMeta(state, gen)]]);
    const batches = rnd.int(1, 40);
    for (let i = 0; i < batches; i++) {
      const appends = state.count === 0 || rnd.next() < 0.5;
      if (appends) {
        const n = rnd.int(1, 20);
        state = { nextSeq: state.nextSeq + n, bytes: state.bytes + n * 700, count: state.count + n };
      } else {
        const n = rnd.int(1, state.count);
        state = { nextSeq: state.nextSeq, bytes: state.bytes - n * 700, count: state.count - n };
      }
      gen += 1;
      const put = metaPut(state, gen, appends);
      disk.set(put.key.toString('hex'), put.value);
      const read = resolveMeta(disk.get(HEAD_META_KEY.toString('hex')), disk.get(TAIL_META_KEY.toString('hex')));
      assert.equal(read.meta, state, `seed ${seed} (LORA_EDGE_SEED replays it), run ${run}, batch ${i}`);
      assert.is(read.gen, gen);
    }
  }
});

test.run();
