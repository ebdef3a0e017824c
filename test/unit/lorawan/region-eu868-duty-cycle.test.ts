// DutyCycleLedger: per-sub-band airtime over a sliding hour, with an injected clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DutyCycleLedger } from '../../../src/lorawan/region-eu868.js';

const HOUR = 3_600_000;

function clock(): { now: () => number; set: (t: number) => void } {
  let t = 0;
  return { now: () => t, set: (v) => (t = v) };
}

test('sub-bands and their limits (ERC REC 70-03 / EN 300 220)', () => {
  const ledger = new DutyCycleLedger();
  assert.equal(ledger.subBandOf(863_500_000), { name: 'g (863.0-865.0)', limit: 0.001 });
  assert.equal(ledger.subBandOf(867_100_000), { name: 'g (865.0-868.0)', limit: 0.01 });
  assert.equal(ledger.subBandOf(868_100_000), { name: 'g1', limit: 0.01 });
  assert.equal(ledger.subBandOf(868_500_000), { name: 'g1', limit: 0.01 });
  assert.equal(ledger.subBandOf(868_800_000), { name: 'g2', limit: 0.001 });
  assert.equal(ledger.subBandOf(869_525_000), { name: 'g3', limit: 0.1 });
  assert.equal(ledger.subBandOf(869_850_000), { name: 'g4', limit: 0.01 });
  assert.is(ledger.subBandOf(868_650_000), undefined);
  assert.is(ledger.subBandOf(870_000_000), undefined);
  assert.is(ledger.subBandOf(433_175_000), undefined);
});

test('1% of an hour is 36 s on g1: exactly full is allowed, one ms more is not', () => {
  const c = clock();
  const ledger = new DutyCycleLedger({ now: c.now });
  assert.ok(ledger.tryConsume(868_100_000, 30_000));
  c.set(1_000);
  assert.ok(ledger.tryConsume(868_300_000, 6_000));
  assert.not.ok(ledger.tryConsume(868_500_000, 1));
  // Other sub-bands keep their own budget: g3 allows 360 s.
  assert.ok(ledger.tryConsume(869_525_000, 300_000));
  const g1 = ledger.usage().find((u) => u.name === 'g1');
  const g3 = ledger.usage().find((u) => u.name === 'g3');
  assert.equal(g1, { name: 'g1', usedMs: 36_000, allowedMs: 36_000 });
  assert.equal(g3, { name: 'g3', usedMs: 300_000, allowedMs: 360_000 });
});

test('the window slides: airtime older than an hour no longer counts', () => {
  const c = clock();
  const ledger = new DutyCycleLedger({ now: c.now });
  assert.ok(ledger.tryConsume(868_100_000, 30_000)); // at 0
  c.set(1_000_000);
  assert.ok(ledger.tryConsume(868_100_000, 6_000));
  c.set(HOUR - 1);
  assert.not.ok(ledger.tryConsume(868_100_000, 1));
  c.set(HOUR); // the transmission at 0 leaves the window
  assert.ok(ledger.tryConsume(868_100_000, 30_000));
  assert.not.ok(ledger.tryConsume(868_100_000, 1));
  c.set(1_000_000 + HOUR);
  assert.equal(ledger.usage().find((u) => u.name === 'g1')?.usedMs, 30_000);
});

test('a refused transmission is not recorded; release gives reserved airtime back', () => {
  const c = clock();
  const ledger = new DutyCycleLedger({ now: c.now, windowMs: 100_000 });
  // 0.1% of 100 s = 100 ms on g2.
  assert.not.ok(ledger.tryConsume(868_800_000, 101));
  assert.ok(ledger.tryConsume(868_800_000, 60));
  assert.not.ok(ledger.tryConsume(868_800_000, 41));
  assert.ok(ledger.release(868_800_000, 60));
  assert.not.ok(ledger.release(868_800_000, 60));
  assert.ok(ledger.tryConsume(868_800_000, 100));
  assert.equal(ledger.usage().find((u) => u.name === 'g2'), { name: 'g2', usedMs: 100, allowedMs: 100 });
});

test('frequencies outside the sub-bands and bad airtime are refused', () => {
  const ledger = new DutyCycleLedger();
  assert.not.ok(ledger.tryConsume(868_650_000, 1));
  assert.not.ok(ledger.tryConsume(868_100_000, Number.NaN));
  assert.not.ok(ledger.tryConsume(868_100_000, -5));
  assert.is(ledger.usage().reduce((s, u) => s + u.usedMs, 0), 0);
  assert.is(ledger.usage().length, 6);
});

test.run();
