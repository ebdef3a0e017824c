// PUSH_DATA `stat` objects, vectors from PROTOCOL.md section 4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGatewayStat } from '../../../../src/radio/udp/stat.js';

test('the protocol example parses into every typed field', () => {
  const r = parseGatewayStat({
    time: '2014-01-12 08:59:28 GMT',
    lati: 46.24,
    long: 3.2523,
    alti: 145,
    rxnb: 2,
    rxok: 2,
    rxfw: 2,
    ackr: 100.0,
    dwnb: 2,
    txnb: 2,
    temp: 23.2,
  });
  assert.equal(r, {
    ok: true,
    stat: {
      time: '2014-01-12 08:59:28 GMT',
      lati: 46.24,
      long: 3.2523,
      alti: 145,
      rxnb: 2,
      rxok: 2,
      rxfw: 2,
      ackr: 100,
      dwnb: 2,
      txnb: 2,
      temp: 23.2,
    },
    junkFields: [],
  });
});

test('a 2.4 GHz stat without position is fine; unknown keys are ignored', () => {
  const r = parseGatewayStat({ time: '2014-01-12 08:59:28 GMT', rxnb: 0, rxok: 0, rxfw: 0, ackr: 0, dwnb: 0, txnb: 0, vendor: 'x' });
  assert.equal(r, {
    ok: true,
    stat: { time: '2014-01-12 08:59:28 GMT', rxnb: 0, rxok: 0, rxfw: 0, ackr: 0, dwnb: 0, txnb: 0 },
    junkFields: [],
  });
});

test('junk fields are dropped and named, good fields kept', () => {
  const r = parseGatewayStat({
    time: 17,
    lati: 91,
    long: -180.5,
    alti: 'high',
    rxnb: -1,
    rxok: 2.5,
    rxfw: '3',
    ackr: 101,
    dwnb: null,
    txnb: 4,
    temp: 'warm',
  });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.stat, { txnb: 4 });
  assert.equal(r.junkFields.sort(), ['ackr', 'alti', 'dwnb', 'lati', 'long', 'rxfw', 'rxnb', 'rxok', 'temp', 'time']);
});

test('negative altitude and southern/western coordinates are valid', () => {
  const r = parseGatewayStat({ lati: -33.9, long: -70.6, alti: -28 });
  assert.equal(r, { ok: true, stat: { lati: -33.9, long: -70.6, alti: -28 }, junkFields: [] });
});

test('bad_stat when stat is not an object', () => {
  for (const raw of [null, 'ok', 3, [1, 2]]) {
    const r = parseGatewayStat(raw);
    assert.is(r.ok, false);
    if (!r.ok) {
      assert.is(r.reason, 'bad_stat');
      assert.match(r.detail, 'expected an object');
    }
  }
});

test.run();
