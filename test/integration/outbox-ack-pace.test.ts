// Deleting acknowledged records keeps pace with incoming uplinks: range acknowledgements that queue
// up behind a group write are deleted together, and a steady stream of appends does not hold the
// store's serial queue until the traffic stops (the hub's deletions used to wait for it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox, type BatchOp } from '../../src/outbox/index.js';
import { keyOpsOf, type KeyOp } from '../../src/outbox/batch-ops.js';
import { removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { randomSeed } from '../helpers/faults/prng.js';

const deletions = (ops: KeyOp[]) => ops.filter((op) => op.type === 'del').length;

/** A write wrapper that logs every batch and can hold writes until released. */
function gatedWrites(): {
  /** Each batch's single puts and deletions, taken while it was written (keyOpsOf). */
  batches: KeyOp[][];
  hold(): void;
  release(): void;
  wrap: (write: (ops: BatchOp[], o: { sync: boolean }) => Promise<void>) => (ops: BatchOp[], o: { sync: boolean }) => Promise<void>;
} {
  const batches: KeyOp[][] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  return {
    batches,
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    release() {
      gate = null;
      open();
    },
    wrap: (write) => async (ops, o) => {
      batches.push(keyOpsOf(ops));
      if (gate) await gate;
      return write(ops, o);
    },
  };
}

test('range acknowledgements queued behind a group write are deleted in one batch', async () => {
  const dir = tempDir();
  const writes = gatedWrites();
  const ob = await Outbox.open({ dir, flushIntervalMs: 1000, flushMaxRecords: 1000, wrapBatchWrite: writes.wrap });
  try {
    for (let i = 1; i <= 30; i++) ob.append(sampleRecord(i));
    await ob.flush();
    writes.hold();
    for (let i = 31; i <= 35; i++) ob.append(sampleRecord(i));
    const flushing = ob.flush();
    await new Promise((r) => setImmediate(r));
    const before = writes.batches.length;
    // Out of order, as PUBACKs of batches in flight may come.
    const acks = [ob.ack({ from: 11, to: 20 }), ob.ack({ from: 1, to: 10 }), ob.ack({ from: 21, to: 30 })];
    writes.release();
    await Promise.all([flushing, ...acks]);
    const after = writes.batches.slice(before);
    assert.equal(after.map(deletions), [30], 'one deletion of all thirty records');
    const s = ob.stats();
    assert.is(s.acked, 30);
    assert.is(s.depth, 5);
    assert.is(s.firstSeq, 31);
    assert.equal((await ob.readBatch(0, 100, 1e9)).map((r) => r.seq), [31, 32, 33, 34, 35]);
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('an acknowledgement is deleted while appends keep coming, not once they stop', async () => {
  const dir = tempDir();
  const writes: KeyOp[][] = [];
  const ob = await Outbox.open({
    dir,
    flushIntervalMs: 1,
    flushMaxRecords: 8,
    // A slow disk: every write takes a few milliseconds, long enough for new appends to pile up.
    wrapBatchWrite: (write) => async (ops, o) => {
      writes.push(keyOpsOf(ops));
      await new Promise((r) => setTimeout(r, 3));
      return write(ops, o);
    },
  });
  let seq = 0;
  let appending = true;
  const appender = (async () => {
    while (appending) {
      for (let i = 0; i < 4; i++) ob.append(sampleRecord(++seq));
      await new Promise((r) => setImmediate(r));
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 30));
    await new Promise<void>((resolve) => {
      const off = ob.onFlushed(() => {
        off();
        resolve();
      });
    });
    const writesBefore = writes.length;
    let deletedAt = -1;
    const acked = ob.ack({ from: 1, to: 4 }).then(() => (deletedAt = writes.length));
    const deadline = Date.now() + 3000;
    while (deletedAt < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Before: the job writing the appends looped for as long as new ones came, so this waited for
    // the traffic to stop (here: for ever). Now it waits for the groups pending when it was queued.
    assert.ok(deletedAt >= 0, 'the acknowledgement was deleted while the appends went on');
    assert.ok(deletedAt > writesBefore, 'deleted by a write of its own');
    appending = false;
    await appender;
    await acked;
    await ob.flush();
    const s = ob.stats();
    assert.is(s.acked, 4);
    assert.is(s.depth, seq - 4);
    assert.is(s.firstSeq, 5);
  } finally {
    appending = false;
    await appender;
    await ob.close();
    removeDir(dir);
  }
});

test('seeded: appends, flushes and acknowledgements (ranges and seq lists, overlapping, out of order) leave exactly the unacknowledged records', async () => {
  const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
  console.log(`outbox-ack-pace seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);
  const rnd = seededRandom(seed);
  for (let round = 0; round < 4; round++) {
    const dir = tempDir();
    const recentCacheBytes = rnd.pick([2_000, 20_000, 4 * 1024 * 1024]);
    const ob = await Outbox.open({
      dir,
      flushIntervalMs: rnd.int(0, 5),
      flushMaxRecords: rnd.int(1, 40),
      recentCacheBytes,
      wrapBatchWrite: (write) => async (ops, o) => {
        if (rnd.chance(0.3)) await new Promise((r) => setTimeout(r, rnd.int(0, 4)));
        return write(ops, o);
      },
    });
    const what = `seed ${seed} round ${round} (recentCacheBytes ${recentCacheBytes})`;
    try {
      const stored = new Map<number, number>();
      let next = 0;
      let flushedUpTo = 0;
      const work: Array<Promise<void>> = [];
      for (let step = 0; step < 300; step++) {
        const roll = rnd.next();
        if (roll < 0.5) {
          const rec = sampleRecord(next + 1, undefined, rnd.int(0, 200));
          const seq = ob.append(rec);
          next = seq;
          stored.set(seq, storedSize(seq, rec));
        } else if (roll < 0.6) {
          await ob.flush();
          flushedUpTo = next;
        } else if (roll < 0.9 && flushedUpTo > 0) {
          const from = rnd.int(1, flushedUpTo);
          const to = Math.min(flushedUpTo, from + rnd.int(0, 30));
          for (let s = from; s <= to; s++) stored.delete(s);
          work.push(ob.ack({ from, to }));
        } else if (flushedUpTo > 0) {
          const seqs = Array.from({ length: rnd.int(1, 6) }, () => rnd.int(1, flushedUpTo));
          for (const s of seqs) stored.delete(s);
          work.push(ob.ack(seqs));
        }
        if (rnd.chance(0.2)) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(work);
      await ob.flush();
      const left = (await ob.readBatch(0, 100_000, 1e12)).map((r) => r.seq);
      assert.equal(left, [...stored.keys()].sort((a, b) => a - b), `${what}: the records left`);
      const s = ob.stats();
      assert.is(s.depth, stored.size, `${what}: count`);
      assert.is(s.bytes, [...stored.values()].reduce((a, b) => a + b, 0), `${what}: bytes`);
      assert.is(s.acked, next - stored.size, `${what}: every deleted record counted once`);
      assert.is(s.firstSeq, left[0] ?? null, `${what}: first seq`);
    } finally {
      await ob.close();
      removeDir(dir);
    }
  }
});

test.run();
