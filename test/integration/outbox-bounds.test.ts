// Bounds: byte overflow drops the oldest, age expiry with an injected clock, one log line per episode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox } from '../../src/outbox/index.js';
import { captureLog, removeDir, sampleRecord, storedSize, tempDir } from '../fixtures/outbox/records.js';

const DAY = 24 * 60 * 60 * 1000;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** How many of the oldest records a drop removes: from the head until total <= target. */
function expectedDrops(sizes: number[], total: number, target: number): number {
  let n = 0;
  while (total > target) total -= sizes[n++]!;
  return n;
}

test('over maxBytes the oldest records are dropped to 90%, newest kept, one warning per episode', async () => {
  const dir = tempDir();
  const { logger, lines } = captureLog();
  const maxBytes = 10_000;
  try {
    // Clock next to the fixture capture times, so nothing is old enough to expire.
    const ob = await Outbox.open({ dir, logger, maxBytes, flushMaxRecords: 1000, now: () => Date.UTC(2026, 0, 2) });
    const sizes: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const rec = sampleRecord(i, undefined, 300);
      sizes.push(storedSize(i, rec));
      ob.append(rec);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total > maxBytes, `fixture must overflow (${total})`);
    await ob.flush();
    const k = expectedDrops(sizes, total, 9000);
    let s = ob.stats();
    assert.is(s.dropped.overflow, k);
    assert.is(s.depth, 30 - k);
    assert.is(s.firstSeq, k + 1);
    assert.is(s.lastSeq, 30);
    assert.is(s.bytes, sizes.slice(k).reduce((a, b) => a + b, 0));
    assert.ok(s.bytes <= 9000);
    assert.equal((await ob.readBatch(0, 100, 1e9)).map((r) => r.seq), range(k + 1, 30), 'newest kept');

    // Still no delivery: the next overflow is part of the same episode.
    for (let i = 31; i <= 40; i++) ob.append(sampleRecord(i, undefined, 300));
    await ob.flush();
    s = ob.stats();
    assert.ok(s.dropped.overflow > k, 'dropped again');
    assert.ok(s.bytes <= 9000);
    assert.is(s.lastSeq, 40);
    assert.is(lines.filter((l) => l.msg.startsWith('outbox full: dropping oldest records')).length, 1);
    assert.is(lines.filter((l) => /no longer full/.test(l.msg)).length, 0);

    // Delivery resumes and brings the store under half the bound: the episode ends with its count.
    const first = s.firstSeq!;
    await ob.ack({ from: first, to: first + 10 });
    const end = lines.filter((l) => /no longer full/.test(l.msg));
    assert.is(end.length, 1);
    assert.is(end[0]!.level, 'info');
    assert.is(end[0]!.dropped, s.dropped.overflow);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('sweep expires records older than maxAgeMs by capturedAt (injected clock)', async () => {
  const dir = tempDir();
  const { logger, lines } = captureLog();
  let now = Date.UTC(2026, 5, 1);
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  try {
    const ob = await Outbox.open({ dir, logger, now: () => now, maxAgeMs: 30 * DAY, flushMaxRecords: 1000 });
    for (let i = 1; i <= 5; i++) ob.append(sampleRecord(i, at(40 * DAY - i)));
    for (let i = 6; i <= 10; i++) ob.append(sampleRecord(i, at(DAY - i)));
    await ob.flush();
    assert.equal(await ob.sweep(), { expired: 5, overflow: 0 });
    let s = ob.stats();
    assert.is(s.dropped.expired, 5);
    assert.is(s.depth, 5);
    assert.is(s.firstSeq, 6);
    assert.is(s.oldestCapturedAt, at(DAY - 6));
    assert.is(lines.filter((l) => /expiring records/.test(l.msg)).length, 1);

    assert.equal(await ob.sweep(), { expired: 0, overflow: 0 });
    const ended = lines.filter((l) => /expiry ended/.test(l.msg));
    assert.is(ended.length, 1);
    assert.is(ended[0]!.expired, 5);

    now += 30 * DAY; // everything is now older than 30 days
    assert.equal(await ob.sweep(), { expired: 5, overflow: 0 });
    s = ob.stats();
    assert.equal([s.depth, s.bytes, s.firstSeq, s.oldestCapturedAt], [0, 0, null, null]);
    assert.is(s.dropped.expired, 10);
    assert.is(ob.append(sampleRecord(11, at(0))), 11);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test('a sweep on a fresh store reads only the head and deletes nothing', async () => {
  const dir = tempDir();
  const now = Date.UTC(2026, 5, 1);
  try {
    const ob = await Outbox.open({ dir, now: () => now, flushMaxRecords: 1000 });
    for (let i = 1; i <= 50; i++) ob.append(sampleRecord(i, new Date(now - 1000).toISOString()));
    await ob.flush();
    assert.equal(await ob.sweep(), { expired: 0, overflow: 0 });
    assert.is(ob.stats().depth, 50);
    await ob.close();
  } finally {
    removeDir(dir);
  }
});

test.run();
