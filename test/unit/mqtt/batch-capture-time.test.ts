// Capture times in batches (hub schema 2): records captured synchronised are spliced from their
// stored bytes untouched; records captured before the sync in this boot are sent corrected (the
// original kept as capturedAtLocal); earlier boots, no sync yet and records stored before schema 2
// say why not. Stored bytes and record objects give the same batch, and every batch fits the schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitHubBatch } from '../../../src/mqtt/batch-fit.js';
import { buildHubBatch, type HubBatch } from '../../../src/mqtt/hub-batch.js';
import type { OutboxRecord } from '../../../src/outbox/record.js';
import { encodeRecord } from '../../../src/outbox/record-encoding.js';
import { StoredRecord, clockFieldsOf } from '../../../src/outbox/stored-record.js';
import { correctCapture, type CaptureCorrector } from '../../../src/clock/capture-stamp.js';
import { sampleRecord } from '../../fixtures/outbox/records.js';
import { assertValidBatch } from '../../helpers/spine-scenarios.js';

const GW = '0016c001ff10a235';
const BOOT = 'a0882cfe4e4e';
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const DAY = 86_400_000;
// The clock was one day behind until it was stepped; wall - mono after the sync:
const SYNC = { bootId: BOOT, wallMinusMonoMs: NOW - 3_600_000 };
const corrector: CaptureCorrector = { correct: (f) => correctCapture(f, BOOT, SYNC) };

/** A record captured at monotonic time `mono`: its stamp as the (maybe wrong) clock gave it. */
function captured(seq: number, kind: 'synced' | 'unsynced' | 'unknown' | 'earlier_boot' | 'legacy'): OutboxRecord {
  const mono = 1_000_000 + seq * 1000;
  const trueMs = mono + SYNC.wallMinusMonoMs;
  const base = sampleRecord(seq);
  base.lorawan = { ...base.lorawan, devAddr: '49be7df1' }; // as the pipeline writes it (the fixture's is upper-case)
  if (kind === 'legacy') return { seq, ...base, capturedAt: new Date(trueMs - DAY).toISOString() };
  const wrong = kind === 'synced' ? trueMs : trueMs - DAY;
  return {
    seq,
    ...base,
    capturedAt: new Date(wrong).toISOString(),
    clockSynced: kind === 'synced' ? true : kind === 'unknown' ? null : false,
    gpsTime: seq % 2 ? new Date(trueMs).toISOString() : null,
    bootId: kind === 'earlier_boot' ? '0123456789ab' : BOOT,
    monoMs: mono,
  };
}

/** StoredRecord as the outbox reads it; counts the parses a batch needed. */
let parses = 0;
class CountingStored extends StoredRecord {
  override record(): OutboxRecord {
    parses += 1;
    return super.record();
  }
}
function stored(r: OutboxRecord): StoredRecord {
  const { seq, ...rest } = r;
  return new CountingStored(seq, r.capturedAt, encodeRecord(seq, rest), clockFieldsOf(r));
}

const KINDS = ['synced', 'unsynced', 'unknown', 'earlier_boot', 'legacy'] as const;
const records = Array.from({ length: 50 }, (_, i) => captured(i + 1, KINDS[i % KINDS.length]));

test('stored bytes, record objects and buildHubBatch give the same batch, at every cut', () => {
  for (const budget of [10 * 1024 * 1024, 9000, 2500]) {
    const a = fitHubBatch(GW, records, NOW, NOW - 1000, budget, corrector);
    const b = fitHubBatch(GW, records.map(stored), NOW, NOW - 1000, budget, corrector);
    assert.ok(a.kind === 'batch' && b.kind === 'batch');
    assert.is(b.count, a.count);
    assert.is(b.json.toString(), a.json.toString(), `budget ${budget}`);
    assert.is(a.json.toString(), JSON.stringify(buildHubBatch(GW, records.slice(0, a.count), NOW, NOW - 1000, corrector)));
    assert.equal(b.captureTimes, a.captureTimes);
    assertValidBatch(JSON.parse(a.json.toString()));
  }
});

test('what each record says', () => {
  const fit = fitHubBatch(GW, records, NOW, NOW - 1000, 10 * 1024 * 1024, corrector);
  assert.ok(fit.kind === 'batch');
  const batch = JSON.parse(fit.json.toString()) as HubBatch;
  assert.is(batch.schemaVersion, 2);
  for (const r of batch.records) {
    const mono = 1_000_000 + r.seq * 1000;
    const trueIso = new Date(mono + SYNC.wallMinusMonoMs).toISOString();
    const wrongIso = new Date(mono + SYNC.wallMinusMonoMs - DAY).toISOString();
    const kind = KINDS[(r.seq - 1) % KINDS.length];
    if (kind === 'synced') {
      assert.equal([r.capturedAt, r.capturedAtCorrected, r.capturedAtLocal, r.uncorrectedReason], [trueIso, false, undefined, undefined]);
    } else if (kind === 'unsynced' || kind === 'unknown') {
      assert.equal([r.capturedAt, r.capturedAtCorrected, r.capturedAtLocal, r.uncorrectedReason], [trueIso, true, wrongIso, undefined], `${kind} ${r.seq}`);
      assert.is(r.holdMs, NOW - Date.parse(trueIso));
    } else if (kind === 'earlier_boot') {
      assert.equal([r.capturedAt, r.capturedAtCorrected, r.uncorrectedReason], [wrongIso, false, 'earlier_boot']);
    } else {
      assert.equal([r.capturedAt, r.capturedAtCorrected, r.uncorrectedReason], [wrongIso, false, 'no_capture_clock']);
      assert.equal([r.clockSynced, r.gpsTime, r.bootId, r.monoMs], [null, null, null, null], 'legacy records get the fields, null');
    }
  }
  assert.equal(fit.captureTimes, { corrected: 20, uncorrected: { earlier_boot: 10, not_synced_yet: 0, no_capture_clock: 10 } });
});

test('only corrected and pre-schema-2 records are parsed again; the rest is spliced', () => {
  parses = 0;
  fitHubBatch(GW, records.map(stored), NOW, NOW - 1000, 10 * 1024 * 1024, corrector);
  assert.is(parses, 30);
  parses = 0;
  const synced = records.filter((r) => r.clockSynced === true || r.bootId === '0123456789ab');
  fitHubBatch(GW, synced.map(stored), NOW, NOW - 1000, 10 * 1024 * 1024, corrector);
  assert.is(parses, 0);
});

test('before any sync: unsynchronised records go as captured, saying not_synced_yet', () => {
  const fit = fitHubBatch(GW, records.slice(0, 5).map(stored), NOW, 0, 1e6);
  assert.ok(fit.kind === 'batch');
  const batch = JSON.parse(fit.json.toString()) as HubBatch;
  assertValidBatch(batch);
  assert.equal(batch.records.map((r) => r.uncorrectedReason ?? null), [null, 'not_synced_yet', 'not_synced_yet', 'not_synced_yet', 'no_capture_clock']);
});

test('an oversized corrected record is shortened and still corrected', () => {
  const big = captured(2, 'unsynced');
  big.decoded = { codec: 'acme', data: { blob: 'x'.repeat(200_000) }, warnings: [], errors: [] };
  const a = fitHubBatch(GW, [stored(big)], NOW, 0, 100_000, corrector);
  const b = fitHubBatch(GW, [big], NOW, 0, 100_000, corrector);
  assert.equal(a, b);
  assert.ok(a.kind === 'batch' && a.shortened === 1);
  const r = (JSON.parse(a.json.toString()) as HubBatch).records[0];
  assert.is(r.capturedAtCorrected, true);
  assert.is(r.decoded?.data, null);
});

test.run();
