// The correction arithmetic: monoMs + (wall - mono at a synchronised moment of the same boot), and
// every case where no correction is possible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { correctCapture, NO_CORRECTION } from '../../../src/clock/capture-stamp.js';

const BOOT = 'a0882cfe4e4e';
const TRUE_CAPTURE = Date.UTC(2026, 11, 6, 9, 0, 0);
// Booted 2 h before the capture; the clock read 40 days behind (fake-hwclock) until NTP stepped it.
const MONO_AT_CAPTURE = 2 * 3600_000 + 417;
const SYNC = { bootId: BOOT, wallMinusMonoMs: TRUE_CAPTURE - MONO_AT_CAPTURE };

test('a record captured unsynchronised in this boot gets the true time back', () => {
  const c = correctCapture({ clockSynced: false, bootId: BOOT, monoMs: MONO_AT_CAPTURE }, BOOT, SYNC);
  assert.equal(c, { kind: 'corrected', capturedAtMs: TRUE_CAPTURE });
  // Unknown state at capture: corrected too (a right clock comes out unchanged).
  assert.equal(correctCapture({ clockSynced: null, bootId: BOOT, monoMs: 5 }, BOOT, SYNC), { kind: 'corrected', capturedAtMs: SYNC.wallMinusMonoMs + 5 });
});

test('synchronised captures need nothing; earlier boots, no sync yet and missing fields say why', () => {
  assert.equal(correctCapture({ clockSynced: true, bootId: BOOT, monoMs: 1 }, BOOT, SYNC), { kind: 'synced' });
  assert.equal(correctCapture({ clockSynced: false, bootId: '000000000000', monoMs: 1 }, BOOT, SYNC), { kind: 'uncorrected', reason: 'earlier_boot' });
  assert.equal(correctCapture({ clockSynced: false, bootId: BOOT, monoMs: 1 }, BOOT, null), { kind: 'uncorrected', reason: 'not_synced_yet' });
  assert.equal(correctCapture({ clockSynced: false, bootId: null, monoMs: null }, BOOT, SYNC), { kind: 'uncorrected', reason: 'no_capture_clock' });
  assert.equal(correctCapture({}, BOOT, SYNC), { kind: 'uncorrected', reason: 'no_capture_clock' });
  // A sync point of another boot (cannot happen in the daemon) is never applied.
  assert.equal(correctCapture({ clockSynced: false, bootId: BOOT, monoMs: 1 }, BOOT, { ...SYNC, bootId: 'ffffffffffff' }), { kind: 'uncorrected', reason: 'not_synced_yet' });
  assert.equal(NO_CORRECTION.correct({ clockSynced: false, bootId: BOOT, monoMs: 1 }), { kind: 'uncorrected', reason: 'not_synced_yet' });
});

test('damaged stored values never yield a time Date cannot print', () => {
  for (const monoMs of [1e300, Number.NaN, Infinity, -1e300, 1e15, -SYNC.wallMinusMonoMs]) {
    const c = correctCapture({ clockSynced: false, bootId: BOOT, monoMs }, BOOT, SYNC);
    assert.equal(c, { kind: 'uncorrected', reason: 'no_capture_clock' }, String(monoMs));
  }
  assert.equal(correctCapture({ clockSynced: false, bootId: BOOT, monoMs: '5' as unknown as number }, BOOT, SYNC), { kind: 'uncorrected', reason: 'no_capture_clock' });
});

test.run();
