// The two meta entries on a real LevelDB store: each batch carries the one beside the records it
// touches, open() trusts the newer, and stores written by a daemon from before the two entries
// (an upgrade, or a downgrade and upgrade again) are read without losing a seq.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Level } from 'level';
import { Outbox } from '../../src/outbox/index.js';
import { HEAD_META_KEY, TAIL_META_KEY, recordKey, seqFromRecordKey } from '../../src/outbox/keys.js';
import { keyOpsOf, type KeyOp } from '../../src/outbox/batch-ops.js';
import { encodeRecord } from '../../src/outbox/record-encoding.js';
import { captureLog, removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';
import { seededRandom } from '../helpers/seeded-random.js';

const RECOUNT = 'outbox meta missing or inconsistent: recounting the store';

/** The meta entry a daemon from before the two entries wrote: one key below the records, no generation. */
const legacyMeta = (nextSeq: number, bytes: number, count: number) => Buffer.from(JSON.stringify({ v: 1, nextSeq, bytes, count }));

async function raw(dir: string, use: (db: Level<Buffer, Buffer>) => Promise<void>): Promise<void> {
  const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    await use(db);
  } finally {
    await db.close();
  }
}

/** Writes records first..last as the old daemon did: the records and its one meta entry, in one batch. */
async function oldDaemonAppends(db: Level<Buffer, Buffer>, first: number, last: number, count: number, bytes: number): Promise<{ count: number; bytes: number }> {
  const ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
  for (let seq = first; seq <= last; seq++) {
    ops.push({ type: 'put', key: recordKey(seq), value: encodeRecord(seq, sampleRecord(seq)) });
    bytes += storedSize(seq, sampleRecord(seq));
    count += 1;
  }
  ops.push({ type: 'put', key: HEAD_META_KEY, value: legacyMeta(last + 1, bytes, count) });
  await db.batch(ops);
  return { count, bytes };
}

const span = (ops: KeyOp[]) => {
  const keys = ops.map((op) => op.key).sort(Buffer.compare);
  return { low: keys[0]!, high: keys[keys.length - 1]! };
};

test('appends never write a key below their records, deletions never one above theirs (seeded)', async () => {
  const seed = Number(process.env.LORA_EDGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rnd = seededRandom(seed);
  const dir = tempDir();
  /** Each batch's single puts and deletions, taken while it was written (the columns are reused later). */
  const batches: KeyOp[][] = [];
  const ob = await Outbox.open({
    dir,
    sync: rnd.chance(0.5),
    flushMaxRecords: rnd.int(1, 50),
    wrapBatchWrite: (write) => async (ops, o) => {
      batches.push(keyOpsOf(ops));
      await write(ops, o);
    },
  });
  const where = `seed ${seed} (LORA_EDGE_SEED replays it)`;
  try {
    let appended = 0;
    let acked = 0;
    for (let step = 0; step < 60; step++) {
      const n = rnd.int(1, 40);
      for (let i = 0; i < n; i++) ob.append(sampleRecord(++appended));
      if (rnd.chance(0.6)) await ob.flush();
      if (appended > acked && rnd.chance(0.6)) {
        await ob.flush();
        const to = rnd.int(acked + 1, appended);
        await ob.ack({ from: acked + 1, to });
        acked = to;
      }
    }
    await ob.flush();
    let appends = 0;
    let deletions = 0;
    for (const ops of batches) {
      const { low, high } = span(ops);
      if (ops.some((op) => op.type === 'put' && seqFromRecordKey(op.key) !== null)) {
        appends += 1;
        assert.ok(seqFromRecordKey(low) !== null, `${where}: a batch of appends starts at a record, not below (${low.toString('hex')})`);
        assert.ok(high.equals(TAIL_META_KEY), `${where}: a batch of appends carries the meta above the records`);
      } else if (ops.some((op) => op.type === 'del')) {
        deletions += 1;
        assert.ok(seqFromRecordKey(high) !== null, `${where}: a batch of deletions ends at a record, not above (${high.toString('hex')})`);
        assert.ok(low.equals(HEAD_META_KEY), `${where}: a batch of deletions carries the meta below the records`);
      }
    }
    assert.ok(appends > 0 && deletions > 0, `${where}: both kinds of batch were written (${appends} / ${deletions})`);
    const before = ob.stats();
    await ob.close();
    const again = await Outbox.open({ dir });
    try {
      const after = again.stats();
      assert.equal([after.depth, after.bytes, after.nextSeq], [before.depth, before.bytes, before.nextSeq], `${where}: reopened from the newer entry`);
    } finally {
      await again.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('a store from before the two entries opens without a recount, and keeps opening without one', async () => {
  const dir = tempDir();
  try {
    let held = { count: 0, bytes: 0 };
    await raw(dir, async (db) => {
      held = await oldDaemonAppends(db, 1, 5, 0, 0);
    });
    const { logger, lines } = captureLog();
    let ob = await Outbox.open({ dir, logger });
    assert.equal([ob.stats().depth, ob.stats().bytes, ob.stats().nextSeq], [5, held.bytes, 6]);
    assert.is(ob.append(sampleRecord(6)), 6);
    await ob.flush();
    await ob.close();
    // Only appends since the upgrade: the entry below is still the one open() wrote back.
    ob = await Outbox.open({ dir, logger });
    assert.is(ob.stats().depth, 6);
    await ob.ack({ from: 1, to: 2 });
    await ob.close();
    ob = await Outbox.open({ dir, logger });
    assert.equal([ob.stats().depth, ob.stats().nextSeq], [4, 7]);
    await ob.close();
    assert.equal(lines.filter((l) => l.msg === RECOUNT), [], 'never recounted');
  } finally {
    removeDir(dir);
  }
});

test('after an old daemon ran on the store again, open recounts it and hands out no seq twice', async () => {
  const dir = tempDir();
  try {
    const ob = await Outbox.open({ dir });
    for (let i = 1; i <= 5; i++) ob.append(sampleRecord(i));
    await ob.flush();
    await ob.close();
    // The downgraded daemon reads only the entry below; it appends 6..9 and writes that entry alone.
    let held = { count: 0, bytes: 0 };
    await raw(dir, async (db) => {
      let bytes = 0;
      for (let seq = 1; seq <= 5; seq++) bytes += storedSize(seq, sampleRecord(seq));
      held = await oldDaemonAppends(db, 6, 9, 5, bytes);
      // ...and delivers them all: the store is empty, only the old daemon's entry knows seq 9 was used.
      await db.batch([...Array.from({ length: 9 }, (_, i) => ({ type: 'del' as const, key: recordKey(i + 1) })),
        { type: 'put', key: HEAD_META_KEY, value: legacyMeta(10, 0, 0) }]);
    });
    assert.is(held.count, 9);
    const { logger, lines } = captureLog();
    const again = await Outbox.open({ dir, logger });
    try {
      assert.is(lines.filter((l) => l.msg === RECOUNT).length, 1, 'the two entries disagree: counted again');
      assert.equal([again.stats().depth, again.stats().bytes], [0, 0]);
      assert.is(again.append(sampleRecord(10)), 10, 'the seqs the old daemon used are not handed out again');
    } finally {
      await again.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('a damaged meta entry on either side is recounted from the records', async () => {
  for (const key of [HEAD_META_KEY, TAIL_META_KEY]) {
    const dir = tempDir();
    try {
      const ob = await Outbox.open({ dir });
      for (let i = 1; i <= 6; i++) ob.append(sampleRecord(i));
      await ob.flush();
      await ob.ack({ from: 1, to: 2 });
      await ob.close();
      await raw(dir, async (db) => db.put(key, Buffer.from('{torn')));
      const { logger, lines } = captureLog();
      const again = await Outbox.open({ dir, logger });
      try {
        assert.is(lines.filter((l) => l.msg === RECOUNT).length, 1);
        assert.equal([again.stats().depth, again.stats().nextSeq], [4, 7], key.toString('latin1'));
      } finally {
        await again.close();
      }
    } finally {
      removeDir(dir);
    }
  }
});

test.run();
