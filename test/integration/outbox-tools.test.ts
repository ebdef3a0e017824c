// Operator tools: stats report and JSON-lines export, and their errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import {
  Outbox,
  OutboxLockedError,
  OutboxNotFoundError,
  exportOutbox,
  outboxStatsReport,
} from '../../src/outbox/index.js';
import { removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';

async function fill(dir: string, n: number, ackUpTo = 0): Promise<number> {
  const ob = await Outbox.open({ dir, flushMaxRecords: 1000 });
  let bytes = 0;
  for (let i = 1; i <= n; i++) {
    ob.append(sampleRecord(i));
    if (i > ackUpTo) bytes += storedSize(i, sampleRecord(i));
  }
  await ob.flush();
  if (ackUpTo > 0) await ob.ack({ from: 1, to: ackUpTo });
  await ob.close();
  return bytes;
}

test('stats report gives depth, bytes, seqs and ages', async () => {
  const dir = tempDir();
  try {
    const bytes = await fill(dir, 12, 2);
    const now = Date.parse(sampleRecord(3).capturedAt) + 60_000;
    const r = await outboxStatsReport(dir, now);
    assert.equal(r, {
      dir,
      depth: 10,
      bytes,
      firstSeq: 3,
      lastSeq: 12,
      nextSeq: 13,
      oldestCapturedAt: sampleRecord(3).capturedAt,
      oldestAgeMs: 60_000,
      newestCapturedAt: sampleRecord(12).capturedAt,
      newestAgeMs: 60_000 - 9,
      metaConsistent: true,
    });
  } finally {
    removeDir(dir);
  }
});

test('stats report on an empty store', async () => {
  const dir = tempDir();
  try {
    await fill(dir, 3, 3);
    const r = await outboxStatsReport(dir, 0);
    assert.equal([r.depth, r.bytes, r.firstSeq, r.lastSeq, r.nextSeq, r.oldestAgeMs], [0, 0, null, null, 4, null]);
  } finally {
    removeDir(dir);
  }
});

test('a missing directory or a directory without a store is a clear error, and nothing is created', async () => {
  const base = tempDir();
  try {
    const missing = path.join(base, 'nope');
    for (const run of [() => outboxStatsReport(missing), () => exportOutbox(missing, path.join(base, 'out.jsonl'))]) {
      await run().then(
        () => assert.unreachable('must fail'),
        (e: unknown) => {
          assert.instance(e, OutboxNotFoundError);
          assert.is((e as Error).message, `no outbox at ${missing}: the directory does not exist`);
        },
      );
    }
    assert.not.ok(fs.existsSync(missing));
    await outboxStatsReport(base).then(
      () => assert.unreachable('must fail'),
      (e: unknown) => assert.match((e as Error).message, /holds no outbox store/),
    );
    assert.equal(fs.readdirSync(base), [], 'no LevelDB files created');
  } finally {
    removeDir(base);
  }
});

test('tools refuse to run while the store is open (daemon running)', async () => {
  const dir = tempDir();
  const ob = await Outbox.open({ dir });
  try {
    await outboxStatsReport(dir).then(
      () => assert.unreachable(),
      (e: unknown) => {
        assert.instance(e, OutboxLockedError);
        assert.match((e as Error).message, /Stop the daemon first/);
      },
    );
    await exportOutbox(dir, path.join(dir, '..', 'x.jsonl')).then(
      () => assert.unreachable(),
      (e: unknown) => assert.instance(e, OutboxLockedError),
    );
  } finally {
    await ob.close();
    removeDir(dir);
  }
});

test('export writes one JSON record per line in seq order, with progress', async () => {
  const dir = tempDir();
  const outDir = tempDir();
  try {
    await fill(dir, 2500, 500);
    const out = path.join(outDir, 'outbox.jsonl');
    const progress: Array<[number, number]> = [];
    const result = await exportOutbox(dir, out, (done, total) => progress.push([done, total]));
    assert.is(result.records, 2000);
    assert.is(result.skippedCorrupt, 0);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.is(lines.pop(), '', 'file ends with a newline');
    assert.is(lines.length, 2000);
    const records = lines.map((l) => JSON.parse(l) as { seq: number });
    assert.equal(records[0], { seq: 501, ...sampleRecord(501) });
    assert.ok(records.every((r, i) => r.seq === 501 + i));

    const ob = await Outbox.open({ dir });
    await ob.ack([2500]);
    await ob.close();
    const odd: Array<[number, number]> = [];
    await exportOutbox(dir, path.join(outDir, 'odd.jsonl'), (done, total) => odd.push([done, total]));
    assert.equal(odd, [[1000, 1999], [1999, 1999]], 'the final count is always reported');
    assert.equal(progress, [[1000, 2000], [2000, 2000]]);
    assert.not.ok(fs.existsSync(`${out}.partial`));
    assert.is(result.bytes, fs.statSync(out).size - 2000, 'bytes counts the JSON without newlines');
  } finally {
    removeDir(dir);
    removeDir(outDir);
  }
});

test.run();
