// Write failures (disk full, I/O error) and the single-writer lock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox, OutboxLockedError, type BatchWriter, type OutboxRecord } from '../../src/outbox/index.js';
import { captureLog, removeDir, sampleRecord, tempDir } from '../fixtures/outbox/records.js';
import { seededRandom, seedFromEnv } from '../helpers/seeded-random.js';

function failingWrites() {
  const control = { fail: false, calls: 0 };
  const wrap = (write: BatchWriter): BatchWriter => async (ops, o) => {
    control.calls += 1;
    if (control.fail) throw Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' });
    return write(ops, o);
  };
  return { control, wrap };
}

test('a failed flush hands its records to onUnstored, never throws, logs once, and later flushes work', async () => {
  const dir = tempDir();
  const { logger, lines } = captureLog();
  const { control, wrap } = failingWrites();
  const unstored: Array<{ seqs: number[]; error: string }> = [];
  try {
    const ob = await Outbox.open({
      dir,
      logger,
      wrapBatchWrite: wrap,
      onUnstored: (records: OutboxRecord[], error: Error) =>
        unstored.push({ seqs: records.map((r) => r.seq), error: error.message }),
    });
    ob.append(sampleRecord(1));
    await ob.flush();
    control.fail = true;
    ob.append(sampleRecord(2));
    ob.append(sampleRecord(3));
    await ob.flush(); // must not throw
    ob.append(sampleRecord(4));
    await ob.flush();
    assert.equal(unstored, [
      { seqs: [2, 3], error: 'IO error: No space left on device' },
      { seqs: [4], error: 'IO error: No space left on device' },
    ]);
    let s = ob.stats();
    assert.is(s.writeErrors, 2);
    assert.is(s.depth, 1);
    assert.is(s.dropped.write_error, 0, 'the app decides what happens to handed-over records');
    const errors = lines.filter((l) => l.level === 'error');
    assert.is(errors.length, 1, 'one error line per episode');
    assert.match(errors[0]!.msg, /write failed .*No space left on device/);

    control.fail = false;
    assert.is(ob.append(sampleRecord(5)), 5);
    await ob.flush();
    s = ob.stats();
    assert.is(s.depth, 2);
    assert.equal((await ob.readBatch(0, 10, 1e9)).map((r) => r.seq), [1, 5]);
    const recovered = lines.filter((l) => /writes recovered/.test(l.msg));
    assert.is(recovered.length, 1);
    assert.is(recovered[0]!.unstoredRecords, 3);
    await ob.close();

    const again = await Outbox.open({ dir });
    assert.is(again.append(sampleRecord(6)), 6, 'seqs handed out during the failure are not reused');
    await again.close();
  } finally {
    removeDir(dir);
  }
});

test('seeded: groups spanning several sets of record columns, some failing, others written and acknowledged: every record is stored or handed over exactly as appended', async () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_OUTBOX_FAIL_SEED', 'outbox failing groups'));
  const where = `seed ${random.seed}`;
  const dir = tempDir();
  const { control, wrap } = failingWrites();
  const unstored = new Map<number, OutboxRecord>();
  const appended = new Map<number, ReturnType<typeof sampleRecord>>();
  const ob = await Outbox.open({
    dir,
    wrapBatchWrite: wrap,
    flushIntervalMs: 60_000,
    flushMaxRecords: 100_000,
    onUnstored: (records: OutboxRecord[]) => {
      for (const r of records) unstored.set(r.seq, r);
    },
  });
  try {
    let acked = 0;
    for (let round = 0; round < 30; round++) {
      // 0.2-1.5 MiB per group: across one to three sets of columns (512 KiB each).
      const n = random.int(300, 2000);
      for (let i = 0; i < n; i++) {
        const record = sampleRecord(appended.size + 1, undefined, random.int(200, 800));
        appended.set(ob.append(record), record);
      }
      control.fail = random.chance(0.3);
      await ob.flush();
      control.fail = false;
      if (random.chance(0.5)) {
        const upTo = ob.stats().lastSeq;
        if (upTo !== null && upTo > acked) {
          // What the cache hands out must be what was appended, then it is deleted.
          const read = await ob.readBatch(acked, 100_000, 1e12);
          for (const r of read) {
            const { seq, ...rest } = r;
            assert.equal(rest, appended.get(seq), `${where}: record ${seq} read back`);
          }
          await ob.ack({ from: acked + 1, to: upTo });
          acked = upTo;
        }
      }
    }
    for (const [seq, record] of unstored) {
      const { seq: _, ...rest } = record;
      assert.equal(rest, appended.get(seq), `${where}: record ${seq} handed over as appended`);
    }
    const stored = await ob.readBatch(acked, 1_000_000, 1e12);
    for (const r of stored) {
      const { seq, ...rest } = r;
      assert.equal(rest, appended.get(seq), `${where}: record ${seq} stored as appended`);
    }
    const storedSeqs = new Set(stored.map((r) => r.seq));
    for (const seq of appended.keys()) {
      if (seq <= acked && !unstored.has(seq)) continue;
      assert.ok(storedSeqs.has(seq) !== unstored.has(seq), `${where}: record ${seq} stored or handed over, once`);
    }
    const written = appended.size - unstored.size;
    assert.ok(unstored.size > 0 && written > 0, `${where}: both happened (${unstored.size} handed over, ${written} written)`);
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('without onUnstored, records of a failed flush are counted as dropped.write_error', async () => {
  const dir = tempDir();
  const { control, wrap } = failingWrites();
  try {
    const ob = await Outbox.open({ dir, wrapBatchWrite: wrap });
    control.fail = true;
    ob.append(sampleRecord(1));
    ob.append(sampleRecord(2));
    await ob.flush();
    assert.is(ob.stats().dropped.write_error, 2);
    assert.is(ob.stats().writeErrors, 1);
    control.fail = false;
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('a failed ack rejects and leaves the records and counters intact', async () => {
  const dir = tempDir();
  const { control, wrap } = failingWrites();
  try {
    const ob = await Outbox.open({ dir, wrapBatchWrite: wrap });
    ob.append(sampleRecord(1));
    ob.append(sampleRecord(2));
    await ob.flush();
    const before = ob.stats();
    control.fail = true;
    await ob.ack([1]).then(
      () => assert.unreachable('ack must reject when the delete fails'),
      (e: Error) => assert.match(e.message, /No space left/),
    );
    control.fail = false;
    const after = ob.stats();
    assert.equal([after.depth, after.bytes, after.acked], [before.depth, before.bytes, 0]);
    await ob.ack([1]);
    assert.is(ob.stats().depth, 1);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('opening a directory that is already open throws OutboxLockedError with advice', async () => {
  const dir = tempDir();
  try {
    const ob = await Outbox.open({ dir });
    try {
      await Outbox.open({ dir }).then(
        () => assert.unreachable('second open must fail'),
        (e: unknown) => {
          assert.instance(e, OutboxLockedError);
          assert.match((e as Error).message, /daemon holds this lock/);
          assert.match((e as Error).message, /Stop the daemon first/);
        },
      );
      ob.append(sampleRecord(1)); // the first handle is unaffected
      await ob.flush();
      assert.is(ob.stats().depth, 1);
    } finally {
      await ob.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('open creates a missing directory (nested)', async () => {
  const base = tempDir();
  try {
    const ob = await Outbox.open({ dir: `${base}/a/b/outbox` });
    assert.is(ob.append(sampleRecord(1)), 1);
    await ob.close();
  } finally {
    removeDir(base);
  }
});

test.run();
