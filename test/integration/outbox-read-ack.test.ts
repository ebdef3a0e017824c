// Reading batches in seq order, acknowledging, byte accounting, corrupt values, meta rebuild.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Level } from 'level';
import { Outbox, OutboxArgumentError } from '../../src/outbox/index.js';
import { HEAD_META_KEY, TAIL_META_KEY, recordKey } from '../../src/outbox/keys.js';
import { captureLog, removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';

async function filled(dir: string, n: number, padding = 0): Promise<{ ob: Outbox; sizes: number[] }> {
  const ob = await Outbox.open({ dir, flushMaxRecords: 1000 });
  const sizes = [0];
  for (let i = 1; i <= n; i++) {
    const rec = sampleRecord(i, undefined, padding);
    ob.append(rec);
    sizes.push(storedSize(i, rec));
  }
  await ob.flush();
  return { ob, sizes };
}

const seqsOf = (records: Array<{ seq: number }>) => records.map((r) => r.seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('readBatch returns records after afterSeq, in order, up to maxRecords', async () => {
  const dir = tempDir();
  const { ob } = await filled(dir, 20);
  try {
    const first = await ob.readBatch(0, 5, 1e9);
    assert.equal(seqsOf(first), [1, 2, 3, 4, 5]);
    assert.equal(first[0], { seq: 1, ...sampleRecord(1) }, 'full record round-trips');
    assert.equal(seqsOf(await ob.readBatch(5, 5, 1e9)), [6, 7, 8, 9, 10]);
    assert.equal(seqsOf(await ob.readBatch(18, 5, 1e9)), [19, 20]);
    assert.equal(await ob.readBatch(20, 5, 1e9), []);
    assert.equal(seqsOf(await ob.readBatch(0, 1000, 1e9)), range(1, 20));
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('readBatch stops before exceeding maxBytes but always returns one record', async () => {
  const dir = tempDir();
  const { ob, sizes } = await filled(dir, 5);
  try {
    const two = sizes[1]! + sizes[2]!;
    assert.equal(seqsOf(await ob.readBatch(0, 100, two)), [1, 2]);
    assert.equal(seqsOf(await ob.readBatch(0, 100, two - 1)), [1]);
    assert.equal(seqsOf(await ob.readBatch(0, 100, 1)), [1], 'one oversized record still goes out');
    assert.equal(seqsOf(await ob.readBatch(3, 100, 1)), [4]);
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('readBatch fills maxRecords even when values exceed the iterator byte budget', async () => {
  const dir = tempDir();
  const { ob } = await filled(dir, 600, 300); // ~0.9 KB each, far beyond nextv's 16 KiB default per call
  try {
    const batch = await ob.readBatch(0, 500, 1e9);
    assert.is(batch.length, 500);
    assert.equal(seqsOf(batch), range(1, 500));
    assert.equal(seqsOf(await ob.readBatch(500, 500, 1e9)), range(501, 600));
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('readBatch rejects bad arguments with a typed error', async () => {
  const dir = tempDir();
  const { ob } = await filled(dir, 1);
  try {
    const bad: Array<[number, number, number]> = [[-1, 1, 1], [0, 0, 1], [0, 1, 0], [0.5, 1, 1]];
    for (const args of bad) {
      await ob.readBatch(args[0], args[1], args[2]).then(
        () => assert.unreachable(`${args} accepted`),
        (e: unknown) => assert.instance(e, OutboxArgumentError),
      );
    }
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('ack by seq list deletes exactly those records and their bytes; unknown seqs are ignored', async () => {
  const dir = tempDir();
  const { ob, sizes } = await filled(dir, 10);
  try {
    const before = ob.stats();
    await ob.ack([1, 3, 5, 999]);
    const after = ob.stats();
    assert.is(after.depth, 7);
    assert.is(after.acked, 3);
    assert.is(after.bytes, before.bytes - sizes[1]! - sizes[3]! - sizes[5]!);
    assert.is(after.firstSeq, 2);
    assert.is(after.oldestCapturedAt, sampleRecord(2).capturedAt);
    assert.equal(seqsOf(await ob.readBatch(0, 100, 1e9)), [2, 4, 6, 7, 8, 9, 10]);
    await ob.ack([1, 3]); // already gone: no double counting
    assert.is(ob.stats().depth, 7);
    assert.is(ob.stats().acked, 3);
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('ack by range deletes the inclusive range and moves the head', async () => {
  const dir = tempDir();
  const { ob, sizes } = await filled(dir, 10);
  try {
    await ob.ack({ from: 1, to: 6 });
    let s = ob.stats();
    assert.is(s.depth, 4);
    assert.is(s.firstSeq, 7);
    assert.is(s.lastSeq, 10);
    assert.is(s.oldestCapturedAt, sampleRecord(7).capturedAt);
    assert.is(s.bytes, sizes[7]! + sizes[8]! + sizes[9]! + sizes[10]!);
    await ob.ack({ from: 9, to: 10 });
    s = ob.stats();
    assert.is(s.lastSeq, 8, 'tail moves when the last record is acked');
    await ob.ack({ from: 0, to: 100 });
    s = ob.stats();
    assert.equal([s.depth, s.bytes, s.firstSeq, s.lastSeq, s.oldestCapturedAt], [0, 0, null, null, null]);
    assert.is(s.acked, 10);
    await ob.ack({ from: 5, to: 4 }).then(
      () => assert.unreachable('inverted range accepted'),
      (e: unknown) => assert.instance(e, OutboxArgumentError),
    );
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('ack over a large range works in chunks and keeps accounting exact', async () => {
  const dir = tempDir();
  const { ob, sizes } = await filled(dir, 1500);
  try {
    await ob.ack({ from: 1, to: 1400 });
    const s = ob.stats();
    assert.is(s.depth, 100);
    assert.is(s.bytes, sizes.slice(1401).reduce((a, b) => a + b, 0));
    assert.is(s.firstSeq, 1401);
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('undecodable values are skipped, deleted, counted and logged once each with their key', async () => {
  const dir = tempDir();
  const { ob } = await filled(dir, 6);
  await ob.close();
  const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await raw.open();
  await raw.put(recordKey(2), Buffer.from('garbage{'));
  await raw.put(recordKey(3), Buffer.from('[1,2,3]'));
  await raw.put(recordKey(4), Buffer.from(JSON.stringify({ ...sampleRecord(4), seq: 40 })));
  await raw.close();

  const { logger, lines } = captureLog();
  const again = await Outbox.open({ dir, logger });
  try {
    assert.equal(seqsOf(await again.readBatch(0, 3, 1e9)), [1, 5, 6], 'corrupt ones do not use up maxRecords');
    let s = again.stats();
    assert.is(s.dropped.corrupt, 3);
    assert.is(s.depth, 3);
    const logged = lines.filter((l) => /undecodable/.test(l.msg));
    assert.equal(logged.map((l) => l.key), [recordKey(2).toString('hex'), recordKey(3).toString('hex'), recordKey(4).toString('hex')]);
    assert.match(String(logged[0]!.reason), /not JSON/);
    assert.match(String(logged[2]!.reason), /seq mismatch/);
    assert.equal(seqsOf(await again.readBatch(0, 100, 1e9)), [1, 5, 6]);
    s = again.stats();
    assert.is(s.dropped.corrupt, 3, 'counted once');
    assert.is(lines.filter((l) => /undecodable/.test(l.msg)).length, 3, 'logged once');
  } finally {
    await again.close();
    removeDir(dir);
  }
});

test('a missing meta entry is rebuilt by one scan at open', async () => {
  const dir = tempDir();
  const { ob, sizes } = await filled(dir, 8);
  await ob.ack([1, 2]);
  await ob.close();
  const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await raw.open();
  await raw.batch([{ type: 'del', key: HEAD_META_KEY }, { type: 'del', key: TAIL_META_KEY }]);
  await raw.close();
  const again = await Outbox.open({ dir });
  try {
    const s = again.stats();
    assert.is(s.depth, 6);
    assert.is(s.bytes, sizes.slice(3).reduce((a, b) => a + b, 0));
    assert.is(s.nextSeq, 9);
    assert.is(again.append(sampleRecord(9)), 9);
  } finally {
    await again.close();
    removeDir(dir);
  }
});

test('entries() streams every record in seq order', async () => {
  const dir = tempDir();
  const { ob } = await filled(dir, 700);
  try {
    await ob.ack({ from: 1, to: 100 });
    const seen: number[] = [];
    for await (const rec of ob.entries()) seen.push(rec.seq);
    assert.equal(seen, range(101, 700));
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test.run();
