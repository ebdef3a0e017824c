// The pending records and their columns against the plain rule they replace: each record as
// encodeRecord encodes it, with its seq, capturedAt and clockFieldsOf(record), in append order;
// groups taken and records dropped from the front; columns filled again once every row of theirs
// was released, and never while one is held. Seeded: record shapes (clock fields of every kind,
// long and odd capture times, records far larger than the columns, records that fail to encode)
// and the order of appends, takes, releases and drops vary from run to run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PendingRecords } from '../../../src/outbox/pending-records.js';
import type { RecordRun } from '../../../src/outbox/record-run.js';
import { encodeRecord } from '../../../src/outbox/record-encoding.js';
import { clockFieldsOf, StoredRecord } from '../../../src/outbox/stored-record.js';
import { OutboxArgumentError } from '../../../src/outbox/errors.js';
import { sampleRecord, type NewRecord } from '../../fixtures/outbox/records.js';
import { seededRandom, seedFromEnv, type SeededRandom } from '../../helpers/seeded-random.js';

const BOOTS = ['3f2a9c1d0b7e', 'a1b2c3d4e5f6', '000000000000'];

function randomRecord(random: SeededRandom, i: number): NewRecord {
  const padding = random.chance(0.01) ? random.int(60_000, 300_000) : random.chance(0.2) ? random.int(0, 2000) : random.int(0, 40);
  const capturedAt = random.pick([
    new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
    '2026-12-07T19:57:51.123456789Z',
    '2026-12-07T20:57:51.1+01:00',
    '2026-12-07T19:57:51Z',
  ]);
  const record = sampleRecord(i, capturedAt, padding) as NewRecord & Record<string, unknown>;
  const shape = random.next();
  if (shape < 0.1) {
    delete record.clockSynced;
    delete record.bootId;
    delete record.monoMs;
  } else if (shape < 0.15) {
    // Not what our pipeline writes: kept as given all the same.
    Object.assign(record, random.pick([{ clockSynced: 'yes' }, { monoMs: '12' }, { bootId: 42 }, { monoMs: undefined, bootId: undefined, clockSynced: null }]));
  } else {
    record.clockSynced = random.pick([true, false, null]);
    record.bootId = random.chance(0.1) ? null : random.pick(BOOTS);
    record.monoMs = random.chance(0.1) ? null : random.int(0, 2 ** 40) / random.pick([1, 8]);
  }
  if (random.chance(0.02)) record.seq = 'its own';
  return record;
}

const expected = (seq: number, record: NewRecord) => new StoredRecord(seq, record.capturedAt, encodeRecord(seq, record), clockFieldsOf(record));

function sameRecords(got: StoredRecord[], want: StoredRecord[], where: string): void {
  assert.is(got.length, want.length, `${where}: count`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    assert.is(g.seq, w.seq, `${where}: seq`);
    assert.is(g.capturedAt, w.capturedAt, `${where}: capturedAt of ${w.seq}`);
    assert.ok(g.json.equals(w.json), `${where}: bytes of ${w.seq}`);
    assert.equal(g.clock, w.clock, `${where}: clock of ${w.seq}`);
  }
}

test('seeded: appends, groups taken and records dropped give exactly the records appended', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_PENDING_SEED', 'pending records'));
  const where = `seed ${random.seed}`;
  const pending = new PendingRecords();
  let model: StoredRecord[] = [];
  let taken: Array<{ run: RecordRun; want: StoredRecord[] }> = [];
  const columnsSeen = new Set<unknown>();
  let released = 0;
  let seq = 1;
  for (let step = 0; step < 6000; step++) {
    const action = random.next();
    if (action < 0.05 && taken.length > 0) {
      // Acknowledged: the run's rows are released, in any order, the run checked just before.
      const [{ run, want }] = taken.splice(random.int(0, taken.length - 1), 1);
      sameRecords(run.stored(), want, `${where}, step ${step}: run released`);
      run.columns.release(run.size);
      released += 1;
    } else if (action < 0.8) {
      const record = randomRecord(random, seq);
      if (random.chance(0.01)) {
        const bad = { ...record, capturedAt: 'yesterday' };
        assert.throws(() => pending.add(seq, bad), (err: unknown) => err instanceof OutboxArgumentError, `${where}: a bad record is refused`);
        assert.is(pending.count, model.length, `${where}: and nothing is queued`);
        continue;
      }
      const bytes = pending.add(seq, record);
      const want = expected(seq, record);
      assert.is(bytes, want.json.length, `${where}: bytes of ${seq}`);
      model.push(want);
      seq += 1;
    } else if (action < 0.95 && model.length > 0) {
      const upTo = random.int(1, model.length + 3);
      const maxBytes = random.pick([1, 4096, 1024 * 1024, 1e9]);
      const run = pending.take(upTo, maxBytes);
      columnsSeen.add(run.columns);
      // At least one; then as many as fit both limits, from the same columns.
      let n = 1;
      let used = model[0]!.json.length;
      while (n < Math.min(upTo, run.size + 1, model.length) && used + model[n]!.json.length <= maxBytes) used += model[n++]!.json.length;
      assert.ok(run.size <= n, `${where}, step ${step}: took ${run.size}, at most ${n} fit`);
      n = run.size;
      used = model.slice(0, n).reduce((sum, r) => sum + r.json.length, 0);
      const want = model.slice(0, n);
      model = model.slice(n);
      sameRecords(run.stored(), want, `${where}, step ${step}: take(${upTo}, ${maxBytes})`);
      assert.is(run.bytes, used, `${where}: run bytes`);
      assert.equal(run.seqs(), want.map((r) => r.seq));
      taken.push({ run, want });
    } else if (model.length > 0) {
      const n = random.int(1, model.length);
      const dropped = pending.dropOldest(n);
      const want = model.slice(0, n);
      model = model.slice(n);
      assert.equal(dropped.seqs, want.map((r) => r.seq), `${where}, step ${step}: dropped seqs`);
      assert.is(dropped.bytes, want.reduce((sum, r) => sum + r.json.length, 0), `${where}: dropped bytes`);
    }
    assert.is(pending.count, model.length, `${where}, step ${step}: count`);
  }
  // Columns were filled again since: every run still held reads what it held.
  for (const [i, { run, want }] of taken.entries()) sameRecords(run.stored(), want, `${where}: run ${i} at the end`);
  assert.ok(taken.length > 50 && released > 50, `${where}: groups were taken and released (${taken.length} / ${released})`);
  assert.ok(columnsSeen.size > 3, `${where}: several columns were filled (${columnsSeen.size})`);
  taken = [];
});

test('a run narrowed from both ends reads only its rows, and finds rows by seq', () => {
  const pending = new PendingRecords();
  for (let seq = 10; seq < 20; seq++) pending.add(seq, sampleRecord(seq));
  const run = pending.take(100, 1e9);
  assert.is(pending.count, 0);
  run.lo = 2;
  run.hi = 7;
  assert.equal([run.size, run.firstSeq, run.lastSeq], [5, 12, 16]);
  assert.equal(run.seqs(), [12, 13, 14, 15, 16]);
  assert.equal([run.rowAfter(0), run.rowAfter(12), run.rowAfter(15), run.rowAfter(16), run.rowAfter(99)], [2, 3, 6, 7, 7]);
  assert.is(run.bytes, [12, 13, 14, 15, 16].reduce((sum, seq) => sum + encodeRecord(seq, sampleRecord(seq)).length, 0));
});

test.run();
