// LevelDB keeps a failed background write (disk full during a memtable flush) as a sticky error and
// refuses all later writes until reopened. Here that is simulated (the real thing, on a full tmpfs,
// is test/system/outbox-disk-full.test.ts): writes fail until the store has been reopened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox, type BatchWriter, type OutboxRecord } from '../../src/outbox/index.js';
import { captureLog, removeDir, sampleRecord, tempDir } from '../fixtures/outbox/records.js';

/** Writes fail while `sticky` is set and the outbox has not reopened its store since it was set. */
function stickyWrites(reopens: () => number) {
  const control = { stickySince: -1 };
  const wrap = (write: BatchWriter): BatchWriter => async (ops, o) => {
    if (control.stickySince >= 0 && reopens() === control.stickySince) {
      throw Object.assign(new Error('IO error: 000007.ldb: No space left on device'), { code: 'LEVEL_IO_ERROR' });
    }
    return write(ops, o);
  };
  return { control, wrap };
}

async function openSticky(dir: string, extra: { reopenMinFreeBytes?: number }) {
  const { logger, lines } = captureLog();
  const unstored: number[] = [];
  let ob: Outbox | undefined;
  const { control, wrap } = stickyWrites(() => ob?.stats().reopens ?? 0);
  ob = await Outbox.open({
    dir,
    logger,
    wrapBatchWrite: wrap,
    reopenRetryMs: 0,
    ...extra,
    onUnstored: (records: OutboxRecord[]) => unstored.push(...records.map((r) => r.seq)),
  });
  return { ob, control, lines, unstored };
}

test('a write error that persists while the disk has room is cleared by reopening the store', async () => {
  const dir = tempDir();
  try {
    const { ob, control, lines, unstored } = await openSticky(dir, {});
    ob.append(sampleRecord(1));
    await ob.flush();
    control.stickySince = 0;
    ob.append(sampleRecord(2));
    await ob.flush(); // first failure: could be the disk filling right now, no reopen yet
    assert.equal(unstored, [2]);
    assert.is(ob.stats().reopens, 0);
    ob.append(sampleRecord(3));
    await ob.flush(); // second failure in a row with room on the disk: reopen, write again
    assert.equal(unstored, [2], 'the retried write after the reopen stored record 3');
    const s = ob.stats();
    assert.is(s.reopens, 1);
    assert.is(s.depth, 2);
    assert.is(s.writeErrors, 1, 'only the write that was not retried counts as failed');
    assert.ok(lines.some((l) => l.level === 'warn' && /store reopened/.test(l.msg)), 'the reopen is logged');
    const seqs: number[] = [];
    for await (const r of ob.entries()) seqs.push(r.seq);
    assert.equal(seqs, [1, 3], 'what was stored before the error is still there after the reopen');
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('no reopen while the disk has less free space than reopenMinFreeBytes', async () => {
  const dir = tempDir();
  try {
    const { ob, control, unstored } = await openSticky(dir, { reopenMinFreeBytes: Number.MAX_SAFE_INTEGER });
    control.stickySince = 0;
    for (let i = 1; i <= 3; i++) {
      ob.append(sampleRecord(i));
      await ob.flush();
    }
    assert.equal(unstored, [1, 2, 3]);
    assert.is(ob.stats().reopens, 0);
    assert.is(ob.stats().writeErrors, 3);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test.run();
