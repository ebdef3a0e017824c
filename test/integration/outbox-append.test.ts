// Appending: seq assignment across restarts, group commit, pending bound, flush notifications.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox, OutboxArgumentError, OutboxClosedError, type BatchOp } from '../../src/outbox/index.js';
import { captureLog, removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';
import { seqFromRecordKey } from '../../src/outbox/keys.js';
import { keyOpsOf } from '../../src/outbox/batch-ops.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';

function nextFlush(outbox: Outbox): Promise<number> {
  return new Promise((resolve) => {
    const off = outbox.onFlushed((lastSeq) => {
      off();
      resolve(lastSeq);
    });
  });
}

test('seqs start at 1 and continue across close/reopen', async () => {
  const dir = tempDir();
  try {
    let ob = await Outbox.open({ dir });
    assert.equal([ob.append(sampleRecord(1)), ob.append(sampleRecord(2)), ob.append(sampleRecord(3))], [1, 2, 3]);
    await ob.close();
    ob = await Outbox.open({ dir });
    assert.is(ob.stats().depth, 3);
    assert.is(ob.stats().nextSeq, 4);
    assert.is(ob.append(sampleRecord(4)), 4);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('seqs continue after the store was fully drained (high-water mark persisted)', async () => {
  const dir = tempDir();
  try {
    let ob = await Outbox.open({ dir });
    for (let i = 1; i <= 5; i++) ob.append(sampleRecord(i));
    await ob.flush();
    await ob.ack({ from: 1, to: 5 });
    assert.is(ob.stats().depth, 0);
    await ob.close();
    ob = await Outbox.open({ dir });
    assert.is(ob.stats().depth, 0);
    assert.is(ob.stats().firstSeq, null);
    assert.is(ob.append(sampleRecord(6)), 6);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('appends inside the interval become one batch with the meta update', async () => {
  const dir = tempDir();
  const batches: BatchOp[][] = [];
  try {
    const ob = await Outbox.open({
      dir,
      flushIntervalMs: 30,
      flushMaxRecords: 1000,
      wrapBatchWrite: (write) => (ops, o) => {
        batches.push(ops);
        return write(ops, o);
      },
    });
    const flushed = nextFlush(ob);
    for (let i = 1; i <= 10; i++) ob.append(sampleRecord(i));
    assert.is(ob.stats().pending, 10, 'nothing written synchronously');
    assert.is(ob.stats().depth, 0);
    assert.is(await flushed, 10);
    assert.is(batches.length, 1);
    assert.is(keyOpsOf(batches[0]!).length, 11, '10 puts + meta');
    assert.is(keyOpsOf(batches[0]!).filter((op) => op.type === 'put' && op.key[0] === 0x72).length, 10);
    const s = ob.stats();
    assert.is(s.flushes, 1);
    assert.is(s.depth, 10);
    assert.is(s.pending, 0);
    let bytes = 0;
    for (let i = 1; i <= 10; i++) bytes += storedSize(i, sampleRecord(i));
    assert.is(s.bytes, bytes);
    assert.is(s.firstSeq, 1);
    assert.is(s.lastSeq, 10);
    assert.is(s.oldestCapturedAt, sampleRecord(1).capturedAt);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('reaching flushMaxRecords flushes without waiting for the timer; close flushes the rest', async () => {
  const dir = tempDir();
  const sizes: number[] = [];
  try {
    const ob = await Outbox.open({
      dir,
      flushIntervalMs: 60_000,
      flushMaxRecords: 4,
      wrapBatchWrite: (write) => (ops, o) => {
        sizes.push(keyOpsOf(ops).length - 1);
        return write(ops, o);
      },
    });
    const flushed = nextFlush(ob);
    for (let i = 1; i <= 4; i++) ob.append(sampleRecord(i));
    assert.is(await flushed, 4);
    ob.append(sampleRecord(5));
    assert.is(ob.stats().pending, 1);
    await ob.close();
    assert.equal(sizes, [4, 1]);
    const again = await Outbox.open({ dir });
    assert.is(again.stats().depth, 5);
    await again.close();
  } finally {
    removeDir(dir);
  }
});

test('seeded: records that waited behind a slow write go in batches of up to 1 MiB, not of flushMaxRecords', async () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_GROUP_SEED', 'outbox group sizes'));
  const seed = random.seed;
  const dir = tempDir();
  const MIB = 1024 * 1024;
  /** Per write: the value bytes of each record it put. */
  const writes: number[][] = [];
  let release: () => void = () => undefined;
  const firstWriteHeld = new Promise<void>((r) => (release = r));
  let started: () => void = () => undefined;
  const firstWriteStarted = new Promise<void>((r) => (started = r));
  let ob: Outbox | undefined;
  try {
    ob = await Outbox.open({
      dir,
      flushIntervalMs: 5,
      flushMaxRecords: 4,
      wrapBatchWrite: (write) => async (ops, o) => {
        writes.push(keyOpsOf(ops).filter((op) => op.type === 'put' && seqFromRecordKey(op.key) !== null).map((op) => (op as { value: Buffer }).value.length));
        if (writes.length === 1) {
          started();
          await firstWriteHeld;
        }
        return write(ops, o);
      },
    });
    for (let i = 1; i <= 4; i++) ob.append(sampleRecord(i));
    await firstWriteStarted;
    // The disk is slow: thousands of records of mixed sizes wait behind the first write.
    const waiting = random.int(1500, 6000);
    for (let i = 5; i < 5 + waiting; i++) ob.append(sampleRecord(i, undefined, random.chance(0.05) ? random.int(0, 40_000) : random.int(0, 600)));
    release();
    await ob.flush();
    assert.is(ob.stats().depth, 4 + waiting, `seed ${seed}: every record stored`);
    assert.equal(writes[0].length, 4, `seed ${seed}: the first write held the first four`);
    const later = writes.slice(1);
    assert.is(later.reduce((n, w) => n + w.length, 0), waiting, `seed ${seed}: the waiting records, each written once`);
    for (let i = 0; i < later.length; i++) {
      const bytes = later[i].reduce((a, b) => a + b, 0);
      assert.ok(later[i].length === 1 || bytes <= MIB, `seed ${seed}: write ${i + 1} holds ${bytes} bytes`);
      // Full: the next write's first record would not have fitted.
      if (i + 1 < later.length) assert.ok(bytes + later[i + 1][0] > MIB, `seed ${seed}: write ${i + 1} (${bytes} bytes) was cut short`);
    }
    assert.ok(later.length < Math.ceil(waiting / 4), `seed ${seed}: ${later.length} writes for ${waiting} records`);
    await ob.close();
    ob = undefined;
    const again = await Outbox.open({ dir });
    assert.is(again.stats().depth, 4 + waiting);
    assert.is(again.stats().nextSeq, 5 + waiting);
    await again.close();
  } finally {
    release();
    await ob?.close();
    removeDir(dir);
  }
});

test('sync option reaches the batch write', async () => {
  const dir = tempDir();
  const seen: boolean[] = [];
  try {
    const ob = await Outbox.open({
      dir,
      sync: true,
      wrapBatchWrite: (write) => (ops, o) => {
        seen.push(o.sync);
        return write(ops, o);
      },
    });
    ob.append(sampleRecord(1));
    await ob.flush();
    await ob.ack([1]);
    await ob.close();
    // Appends are synced; an ack is not (a power cut can only bring delivered records back).
    assert.equal(seen, [true, false]);
  } finally {
    removeDir(dir);
  }
});

test('an ack that carries a seq the disk does not know yet (records handed to onUnstored) is synced', async () => {
  const dir = tempDir();
  const seen: boolean[] = [];
  let failNext = false;
  const unstored: number[] = [];
  try {
    const ob = await Outbox.open({
      dir,
      sync: true,
      onUnstored: (records) => unstored.push(...records.map((r) => r.seq)),
      wrapBatchWrite: (write) => (ops, o) => {
        seen.push(o.sync);
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('EIO: simulated'));
        }
        return write(ops, o);
      },
    });
    ob.append(sampleRecord(1));
    await ob.flush();
    failNext = true;
    ob.append(sampleRecord(2));
    await ob.flush();
    assert.equal(unstored, [2]);
    await ob.ack([1]);
    ob.append(sampleRecord(3));
    await ob.flush();
    await ob.ack([3]);
    await ob.close();
    // group 1, failed group 2, the ack of 1 (carries nextSeq 3 past seq 2), group 3, the ack of 3.
    assert.equal(seen, [true, true, true, true, false]);
    const reopened = await Outbox.open({ dir });
    assert.ok(reopened.stats().nextSeq > 2, 'seq 2 is never handed out again');
    await reopened.close();
  } finally {
    removeDir(dir);
  }
});

test('stalled disk: beyond maxPendingRecords the oldest waiting records are dropped, logged once', async () => {
  const dir = tempDir();
  const { logger, lines } = captureLog();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  try {
    const ob = await Outbox.open({
      dir,
      logger,
      flushMaxRecords: 2,
      maxPendingRecords: 3,
      wrapBatchWrite: (write) => async (ops, o) => {
        calls += 1;
        if (calls === 1) await gate;
        return write(ops, o);
      },
    });
    ob.append(sampleRecord(1));
    ob.append(sampleRecord(2)); // group [1,2] starts writing and stalls
    await new Promise((resolve) => setImmediate(resolve));
    assert.is(calls, 1);
    for (let i = 3; i <= 7; i++) ob.append(sampleRecord(i));
    const s = ob.stats();
    assert.is(s.pending, 3);
    assert.is(s.dropped.pending_overflow, 2);
    assert.is(lines.filter((l) => /writes are stalled/.test(l.msg)).length, 1);
    release();
    await ob.flush();
    const seqs = (await ob.readBatch(0, 100, 1e9)).map((r) => r.seq);
    assert.equal(seqs, [1, 2, 5, 6, 7]);
    const caughtUp = lines.filter((l) => /caught up/.test(l.msg));
    assert.is(caughtUp.length, 1);
    assert.is(caughtUp[0]!.droppedRecords, 2);
    await ob.close();
  } finally {
    release();
    removeDir(dir);
  }
});

test('bad records throw a typed error without consuming a seq; append after close throws', async () => {
  const dir = tempDir();
  try {
    const ob = await Outbox.open({ dir });
    assert.throws(() => ob.append({ ...sampleRecord(1), capturedAt: 'not a time' }), (e: unknown) => e instanceof OutboxArgumentError);
    assert.is(ob.append(sampleRecord(1)), 1);
    await ob.close();
    await ob.close(); // idempotent
    assert.throws(() => ob.append(sampleRecord(2)), (e: unknown) => e instanceof OutboxClosedError);
    await ob.ack([1]).then(
      () => assert.unreachable('ack after close must reject'),
      (e: unknown) => assert.instance(e, OutboxClosedError),
    );
  } finally {
    removeDir(dir);
  }
});

test('invalid options are rejected before touching the disk', async () => {
  const dir = tempDir();
  try {
    await Outbox.open({ dir, maxBytes: 0 }).then(
      () => assert.unreachable(),
      (e: unknown) => assert.match((e as Error).message, /maxBytes must be a positive integer/),
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
