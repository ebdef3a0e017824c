// GPS time to UTC: vectors from outside this code (the GPS week rollovers as published, the leap
// seconds around 2017-01-01), a round trip over seeded random times, and hostile values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GPS_EPOCH_UNIX_MS, gpsMsToIso, gpsMsToUnixMs, gpsUtcOffsetS, unixMsToGpsMs } from '../../../src/clock/gps-time.js';
import { seedFromEnv, seededRandom } from '../../helpers/seeded-random.js';

const WEEK_MS = 604_800_000;

test('the GPS epoch is 1980-01-06T00:00:00Z, with no offset', () => {
  assert.is(gpsMsToIso(0), '1980-01-06T00:00:00.000Z');
  assert.is(GPS_EPOCH_UNIX_MS, 315_964_800_000);
});

test('the week-number rollovers fall where they were published (13 and 18 leap seconds)', () => {
  // First rollover: 1999-08-21 23:59:47 UTC; second: 2019-04-06 23:59:42 UTC.
  assert.is(gpsMsToIso(1024 * WEEK_MS), '1999-08-21T23:59:47.000Z');
  assert.is(gpsMsToIso(2048 * WEEK_MS), '2019-04-06T23:59:42.000Z');
});

test('around the leap second of 2016-12-31: 17 s before, 18 s after, 23:59:60 shown as 00:00:00', () => {
  const before = Date.UTC(2016, 11, 31, 23, 59, 59);
  const after = Date.UTC(2017, 0, 1);
  assert.is(unixMsToGpsMs(before), 1_167_264_016_000);
  assert.is(unixMsToGpsMs(after), 1_167_264_018_000);
  assert.is(gpsMsToIso(1_167_264_016_000), '2016-12-31T23:59:59.000Z');
  assert.is(gpsMsToIso(1_167_264_016_999), '2016-12-31T23:59:59.999Z');
  // The inserted second (GPS 1167264017) has no Unix name: it maps onto the next second.
  assert.is(gpsMsToIso(1_167_264_017_000), '2017-01-01T00:00:00.000Z');
  assert.is(gpsMsToIso(1_167_264_018_000), '2017-01-01T00:00:00.000Z');
  assert.is(gpsMsToIso(1_167_264_018_500), '2017-01-01T00:00:00.500Z');
  assert.is(gpsUtcOffsetS(GPS_EPOCH_UNIX_MS + 1_167_264_016_000), 17);
  assert.is(gpsUtcOffsetS(GPS_EPOCH_UNIX_MS + 1_167_264_018_000), 18);
});

test('today GPS is 18 s ahead of UTC', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0, 123);
  assert.is(unixMsToGpsMs(now), now - GPS_EPOCH_UNIX_MS + 18_000);
  assert.is(gpsMsToIso(now - GPS_EPOCH_UNIX_MS + 18_000), '2026-12-06T12:00:00.123Z');
});

test('round trip over seeded random UTC times (outside leap seconds)', () => {
  const rnd = seededRandom(seedFromEnv('LORA_EDGE_GPS_SEED', 'gps time round trip'));
  for (let i = 0; i < 5000; i++) {
    const unix = rnd.int(GPS_EPOCH_UNIX_MS, Date.UTC(2099, 0, 1));
    assert.is(gpsMsToUnixMs(unixMsToGpsMs(unix)), unix, `seed ${rnd.seed}, ${new Date(unix).toISOString()}`);
  }
});

test('values that are not a time give null, never a throw', () => {
  for (const bad of [-1, Number.NaN, Infinity, 1.5, Number.MAX_SAFE_INTEGER, 1e20]) assert.is(gpsMsToIso(bad), null, String(bad));
});

test.run();
