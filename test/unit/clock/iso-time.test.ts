// The fast ISO 8601 helpers must say exactly what Date says: vectors of the ECMAScript date-time
// string format (its edges: the epoch, year 9999, leap days, hour 24, fraction lengths) and seeded
// random times and strings compared with toISOString and Date.parse, including the remembered
// seconds being hit, missed and replaced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isoOfMs, msOfIso, utcFractionNanos } from '../../../src/clock/iso-time.js';
import { seedFromEnv, seededRandom } from '../../helpers/seeded-random.js';

const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function sameAsDate(ms: number): void {
  let expected: string | Error;
  try {
    expected = new Date(ms).toISOString();
  } catch (err) {
    expected = err as Error;
  }
  if (typeof expected === 'string') assert.is(isoOfMs(ms), expected, `isoOfMs(${ms})`);
  else assert.throws(() => isoOfMs(ms), (err: unknown) => err instanceof RangeError, `isoOfMs(${ms}) throws as Date does`);
}

function parsesAsDate(text: string): void {
  const got = msOfIso(text);
  const expected = Date.parse(text);
  assert.ok(Object.is(got, expected), `msOfIso(${JSON.stringify(text)}) is ${got}, Date.parse says ${expected}`);
}

test('isoOfMs: the epoch, the last four-digit year, leap days, and what Date prints differently or refuses', () => {
  assert.is(isoOfMs(0), '1970-01-01T00:00:00.000Z');
  assert.is(isoOfMs(LAST_FOUR_DIGIT_YEAR_MS), '9999-12-31T23:59:59.999Z');
  assert.is(isoOfMs(Date.UTC(2024, 1, 29, 12, 0, 0, 7)), '2024-02-29T12:00:00.007Z');
  assert.is(isoOfMs(Date.UTC(2026, 11, 7, 23, 59, 59, 999)), '2026-12-07T23:59:59.999Z');
  assert.is(isoOfMs(Date.UTC(2026, 11, 8)), '2026-12-08T00:00:00.000Z');
  // Six-digit years, times before 1970, fractions of a millisecond, and invalid times: as Date.
  for (const ms of [LAST_FOUR_DIGIT_YEAR_MS + 1, -1, -62198755200000, 1.5, 1796611200123.9, 8.64e15, -8.64e15]) sameAsDate(ms);
  for (const ms of [8.64e15 + 1, Number.NaN, Infinity, -Infinity]) sameAsDate(ms);
});

test('msOfIso: the formats Date accepts, the forms it refuses, and rxpk times with microseconds', () => {
  const second = Date.UTC(2026, 11, 7, 2, 40, 0);
  isoOfMs(second); // remembered: the fast path is taken below
  for (const fraction of ['', '.1', '.12', '.123', '.1234', '.123456', '.123999', '.999999999', '.000']) {
    parsesAsDate(`2026-12-07T02:40:00${fraction}Z`);
  }
  assert.is(msOfIso('2026-12-07T02:40:00.528002Z'), second + 528);
  assert.is(utcFractionNanos('2026-12-07T02:40:00.528002Z'), 528_002_000);
  assert.is(utcFractionNanos('2026-12-07T02:40:00.5Z'), 500_000_000);
  assert.is(utcFractionNanos('2026-12-07T02:40:00.000000001Z'), 1);
  assert.is(utcFractionNanos('2026-12-07T02:40:00Z'), 0);
  for (const text of ['2026-12-07T02:40:00.1234567891Z', '2026-12-07T02:40:00.123z', '2026-12-07T02:40:00.Z', '2026-12-07T02:40:00.1a3Z', '2026-12-07T02:40:00', '']) {
    assert.is(utcFractionNanos(text), -1, text);
  }
  // Shapes that must go to Date: ten fraction digits, lowercase z, offsets, no zone, a bare date,
  // a trailing space, hour 24, a leap second, a rolled-over day, junk.
  for (const text of [
    '2026-12-07T02:40:00.1234567891Z', '2026-12-07T02:40:00.123z', '2026-12-07T02:40:00.123+01:00',
    '2026-12-07T02:40:00.123', '2026-12-07', '2026-12-07T02:40:00.123Z ', '2026-12-07T24:00:00.000Z',
    '2026-12-07T24:00:00.500Z', '2026-12-07T23:59:60.000Z', '2026-02-30T00:00:00.000Z', '2026-12-07T02:40:00.Z',
    '2026-12-07T02:40:00.12aZ', '', 'Z', 'not a time', '+010000-01-01T00:00:00.000Z',
  ]) parsesAsDate(text);
});

test('seeded: random times round-trip and parse as Date does, across remembered seconds', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_ISO_TIME_SEED', 'iso time'));
  const seed = random.seed;
  let previous = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 20_000; i++) {
    // Mostly runs of nearby times (frames of one second, two sources a second apart), sometimes a
    // jump anywhere in the range Date prints with four digits, sometimes outside it.
    const kind = random.next();
    const ms =
      kind < 0.7 ? previous + random.int(-1500, 1500)
      : kind < 0.95 ? random.int(0, LAST_FOUR_DIGIT_YEAR_MS)
      : random.pick([-random.int(1, 1e12), LAST_FOUR_DIGIT_YEAR_MS + random.int(1, 1e9), random.int(0, 1e12) + random.next()]);
    previous = Number.isInteger(ms) && ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS ? ms : previous;
    sameAsDate(ms);
    if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) continue;
    const text = isoOfMs(ms);
    assert.is(msOfIso(text), ms, `seed ${seed}: ${text} back to ${ms}`);
    // The same second with another fraction (rxpk style), and a damaged copy.
    const digits = random.int(1, 10);
    let fraction = '';
    for (let d = 0; d < digits; d++) fraction += String(random.int(0, 9));
    const rxpkTime = `${text.slice(0, 19)}.${fraction}Z`;
    parsesAsDate(rxpkTime);
    assert.is(utcFractionNanos(rxpkTime), digits > 9 ? -1 : Number(fraction.padEnd(9, '0')), `seed ${seed}: ${rxpkTime}`);
    const at = random.int(0, text.length - 1);
    parsesAsDate(text.slice(0, at) + String.fromCharCode(random.int(0x20, 0x7e)) + text.slice(at + 1));
  }
});

test.run();
