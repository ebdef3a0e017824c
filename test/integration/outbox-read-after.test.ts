// Backlog reads (readAfter, readEdge) against a real LevelDB store with holes of every size and
// malformed keys, checked against a full scan. And the reason they exist: no read of the daemon's
// opens an iterator that carries values (classic-level keeps a closed iterator's last chunk until
// V8 collects its handle, which held hundreds of MB while a backlog drained).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iterateEntries, openStore, readAfter, readEdge, type OutboxDb, type StoredEntry } from '../../src/outbox/store.js';
import { RECORD_PREFIX, recordKey } from '../../src/outbox/keys.js';
import { removeDir, sampleRecord, tempDir } from '../fixtures/outbox/records.js';
import { ClassicLevel } from 'classic-level';
import { Outbox } from '../../src/outbox/index.js';
import { seedFromEnv, seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

interface Stored {
  seqs: number[];
  sizes: Map<number, number>;
  malformed: Buffer[];
}

/** Seqs with holes (single seqs, runs, one long gap), values of varied size, a few malformed keys. */
async function fill(db: OutboxDb, rnd: SeededRandom): Promise<Stored> {
  const seqs: number[] = [];
  const sizes = new Map<number, number>();
  let seq = rnd.int(1, 50);
  const count = rnd.int(0, 3000);
  for (let i = 0; i < count; i++) {
    seqs.push(seq);
    const r = rnd.next();
    seq += r < 0.8 ? 1 : r < 0.95 ? rnd.int(2, 40) : rnd.int(1000, 5000);
  }
  const batch = db.batch();
  for (const s of seqs) {
    const value = Buffer.from(`{"seq":${s},"capturedAt":"2026-12-07T00:00:00.000Z","p":"${'x'.repeat(rnd.int(0, 1500))}"}`);
    sizes.set(s, value.length);
    batch.put(recordKey(s), value);
  }
  const malformed: Buffer[] = [];
  for (let i = rnd.int(0, 4); i > 0; i--) {
    // Under the record prefix but not nine bytes: sorts among the records, is not one.
    const key = Buffer.concat([Buffer.from([RECORD_PREFIX]), rnd.bytes(rnd.pick([1, 4, 8, 10, 12]))]);
    malformed.push(key);
    batch.put(key, Buffer.from('not a record'));
  }
  await batch.write();
  return { seqs, sizes, malformed };
}

async function scan(db: OutboxDb): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const e of iterateEntries(db)) out.push(e);
  return out;
}

test('seeded: readAfter returns the stored records after a seq in order, within max, bytes and upTo, and says where it stopped', async () => {
  const seed = seedFromEnv('LORA_EDGE_SEED', 'outbox-read-after');
  const rnd = seededRandom(seed);
  for (let round = 0; round < 6; round++) {
    const dir = tempDir();
    const db = await openStore(dir, { create: true });
    try {
      const stored = await fill(db, rnd);
      const all = await scan(db);
      const wellFormed = all.filter((e) => e.seq !== null).map((e) => e.seq!);
      assert.equal(wellFormed, stored.seqs, `seed ${seed}: the store holds what was written`);
      for (let q = 0; q < 40; q++) {
        const last = stored.seqs[stored.seqs.length - 1] ?? 0;
        const afterSeq = rnd.chance(0.3) ? rnd.pick([...stored.seqs, 0]) : rnd.int(0, last + 10);
        const max = rnd.pick([1, 2, 7, 100, 512, 2000, 5000]);
        const maxValueBytes = rnd.chance(0.5) ? undefined : rnd.int(1, 400_000);
        const upTo = rnd.chance(0.3) ? rnd.int(afterSeq + 1, last + 10) : undefined;
        const typicalValueBytes = rnd.chance(0.5) ? undefined : rnd.int(1, 3000);
        const read = await readAfter(db, afterSeq, max, { maxValueBytes, upTo, typicalValueBytes });
        const ctx = `seed ${seed} round ${round}: after ${afterSeq} max ${max} bytes ${maxValueBytes} upTo ${upTo} typical ${typicalValueBytes}`;
        // The model: the stored seqs after afterSeq (up to upTo), cut at max, or at the entry that
        // reaches the byte budget.
        const expected: number[] = [];
        let bytes = 0;
        for (const s of stored.seqs) {
          if (s <= afterSeq || (upTo !== undefined && s > upTo)) continue;
          if (expected.length >= max || bytes >= (maxValueBytes ?? Infinity)) break;
          expected.push(s);
          bytes += stored.sizes.get(s)!;
        }
        const got = read.entries.filter((e) => e.seq !== null);
        assert.equal(got.map((e) => e.seq), expected, ctx);
        for (const e of got) assert.is(e.value.length, stored.sizes.get(e.seq!), `${ctx}: value of ${e.seq}`);
        assert.ok(read.entries.every((e) => e.seq === null ? e.key.length !== 9 : e.key.equals(recordKey(e.seq))), `${ctx}: keys`);
        // The cursor: nothing stored in (afterSeq, cursor] was left out; exhausted means nothing after it.
        assert.ok(read.cursor >= (expected[expected.length - 1] ?? afterSeq), `${ctx}: cursor ${read.cursor}`);
        const skipped = stored.seqs.filter((s) => s > afterSeq && s <= read.cursor && !expected.includes(s));
        assert.equal(skipped, [], `${ctx}: cursor ${read.cursor} passed stored seqs`);
        const beyond = stored.seqs.filter((s) => s > read.cursor && (upTo === undefined || s <= upTo));
        if (read.exhausted) assert.equal(beyond, [], `${ctx}: exhausted with records left`);
        const malformedKeys = read.entries.filter((e) => e.seq === null).map((e) => e.key.toString('hex'));
        assert.is(new Set(malformedKeys).size, malformedKeys.length, `${ctx}: a malformed key twice`);
        assert.ok(malformedKeys.every((k) => stored.malformed.some((m) => m.toString('hex') === k)), `${ctx}: malformed keys`);
      }
      // Reading on from each cursor until exhausted returns every record once.
      const seen: number[] = [];
      let cursor = 0;
      for (;;) {
        const read = await readAfter(db, cursor, rnd.int(1, 700), { maxValueBytes: rnd.int(1, 200_000) });
        seen.push(...read.entries.filter((e) => e.seq !== null).map((e) => e.seq!));
        if (read.exhausted) break;
        assert.ok(read.cursor > cursor, `seed ${seed}: the cursor moves on`);
        cursor = read.cursor;
      }
      assert.equal(seen, stored.seqs, `seed ${seed} round ${round}: a pass reads every record once`);
      // The edges.
      const head = await readEdge(db, false);
      const tail = await readEdge(db, true);
      assert.equal(head?.key, all[0]?.key, `seed ${seed}: head`);
      assert.equal(tail?.key, all[all.length - 1]?.key, `seed ${seed}: tail`);
      if (stored.seqs.length > 2) {
        const from = stored.seqs[1];
        assert.is((await readEdge(db, false, from))?.seq, from, `seed ${seed}: head from ${from}`);
      }
    } finally {
      await db.close();
      removeDir(dir);
    }
  }
});

test('malformed keys in a probed gap are returned once, with seq null, and the read goes on past them', async () => {
  const dir = tempDir();
  const db = await openStore(dir, { create: true });
  try {
    const batch = db.batch();
    const value = (s: number) => Buffer.from(`{"seq":${s},"capturedAt":"2026-12-07T00:00:00.000Z"}`);
    for (const s of [1, 2, 3, 2000, 2001]) batch.put(recordKey(s), value(s));
    // 20 malformed keys between seq 3 and seq 2000 (a gap wider than a window): more than one probe step.
    const malformed = Array.from({ length: 20 }, (_, i) => Buffer.concat([recordKey(3), Buffer.from([i])]));
    for (const key of malformed) batch.put(key, Buffer.from('junk'));
    await batch.write();
    // From seq 3, the window after it is empty and the probe walks the gap.
    const read = await readAfter(db, 3, 100);
    assert.equal(read.entries.filter((e) => e.seq !== null).map((e) => e.seq), [2000, 2001]);
    assert.equal(
      read.entries.filter((e) => e.seq === null).map((e) => e.key.toString('hex')),
      malformed.map((k) => k.toString('hex')),
    );
    assert.ok(read.exhausted);
  } finally {
    await db.close();
    removeDir(dir);
  }
});

/** Records the options of every LevelDB iterator opened until `restore()`. */
function watchIterators(): { opened: Array<Record<string, unknown> | undefined>; restore(): void } {
  const proto = ClassicLevel.prototype as unknown as { iterator: (o?: Record<string, unknown>) => unknown };
  const iterator = proto.iterator;
  const opened: Array<Record<string, unknown> | undefined> = [];
  proto.iterator = function (this: unknown, o?: Record<string, unknown>) {
    opened.push(o);
    return iterator.call(this, o);
  };
  return { opened, restore: () => void (proto.iterator = iterator) };
}

const carryingValues = (opened: Array<Record<string, unknown> | undefined>) => opened.filter((o) => o?.values !== false);

test('the reads open no iterator that carries values', async () => {
  const dir = tempDir();
  const db = await openStore(dir, { create: true });
  const iterators = watchIterators();
  try {
    const batch = db.batch();
    for (let s = 1; s <= 500; s++) if (s % 50 !== 0 && (s < 200 || s > 300)) batch.put(recordKey(s), Buffer.from(`{"seq":${s}}`));
    await batch.write();
    let cursor = 0;
    for (;;) {
      const read = await readAfter(db, cursor, 64, { maxValueBytes: 2_000 });
      if (read.exhausted) break;
      cursor = read.cursor;
    }
    await readEdge(db, false);
    await readEdge(db, true, 10);
    assert.ok(iterators.opened.length > 0, 'the gaps were probed');
    assert.equal(carryingValues(iterators.opened), [], 'every iterator was keys-only');
  } finally {
    iterators.restore();
    await db.close();
    removeDir(dir);
  }
});

test('seeded: draining a reopened backlog through the Outbox (reads, range and seq acknowledgements, sweeps) opens no iterator that carries values', async () => {
  const seed = seedFromEnv('LORA_EDGE_SEED', 'outbox-read-after drain');
  const rnd = seededRandom(seed);
  const dir = tempDir();
  let ob = await Outbox.open({ dir });
  const total = rnd.int(500, 2000);
  // Captured now: a sweep must not expire them.
  const now = new Date().toISOString();
  for (let i = 0; i < total; i++) ob.append(sampleRecord(i, now, rnd.int(0, 600)));
  await ob.close();
  // Reopened: the records are a backlog on disk, not in the recent cache.
  ob = await Outbox.open({ dir, recentCacheBytes: 1024 });
  const iterators = watchIterators();
  try {
    let after = 0;
    let delivered = 0;
    for (;;) {
      const batch = await ob.readStored(after, rnd.int(1, 300), rnd.int(1_000, 200_000));
      if (batch.length === 0) break;
      const seqs = batch.map((r) => r.seq);
      if (rnd.chance(0.5)) await ob.ack({ from: seqs[0], to: seqs[seqs.length - 1] });
      else await ob.ack(seqs);
      if (rnd.chance(0.1)) await ob.sweep();
      delivered += seqs.length;
      after = seqs[seqs.length - 1];
    }
    assert.is(delivered, total, `seed ${seed}: every record read once`);
    assert.is(ob.stats().depth, 0, `seed ${seed}: nothing left`);
    assert.equal(carryingValues(iterators.opened), [], `seed ${seed}: every iterator was keys-only`);
  } finally {
    iterators.restore();
    await ob.close();
    removeDir(dir);
  }
});

test.run();
