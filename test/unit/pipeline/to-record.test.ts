// The capture fields of a record: the stamp of the capture clock, and gpsTime from the forwarder's
// rxpk (tmms with the leap seconds, else time), parsed from real rxpk JSON; hostile values give null.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpsTimeOf, toRecord, EMPTY_LORAWAN } from '../../../src/pipeline/to-record.js';
import { rxpkToRadioFrame } from '../../../src/radio/udp/rxpk.js';
import { makeRxpk } from '../../../src/testing/packet-forwarder.js';
import type { RadioFrame } from '../../../src/radio/radio-frame.js';

const RECEIVED = Date.UTC(2026, 11, 6, 12, 0, 0);

function frameOf(extra: { time?: string; tmms?: number }): RadioFrame {
  const r = rxpkToRadioFrame(makeRxpk({ payload: Buffer.from('40da1b01268002000a', 'hex'), ...extra }), 'udp', RECEIVED);
  assert.ok(r.ok);
  return r.frame;
}

test('gpsTime from tmms is UTC: 18 leap seconds taken off', () => {
  // 2026-12-06T11:59:59.250Z in GPS ms: (Unix − GPS epoch) + 18 s.
  const tmms = Date.UTC(2026, 11, 6, 11, 59, 59, 250) - Date.UTC(1980, 0, 6) + 18_000;
  assert.is(gpsTimeOf(frameOf({ tmms })), '2026-12-06T11:59:59.250Z');
  // tmms wins over time (which some forwarders fill from the host clock).
  assert.is(gpsTimeOf(frameOf({ tmms, time: '2020-01-01T00:00:00.000000Z' })), '2026-12-06T11:59:59.250Z');
});

test('gpsTime from rxpk time when there is no tmms (µs precision cut to ms); none: null', () => {
  assert.is(gpsTimeOf(frameOf({ time: '2026-12-06T11:59:59.250123Z' })), '2026-12-06T11:59:59.250Z');
  assert.is(gpsTimeOf(frameOf({})), null);
});

test('a tmms beyond any printable date is null, not a crash', () => {
  const frame = frameOf({ tmms: Number.MAX_SAFE_INTEGER });
  assert.is(gpsTimeOf(frame), null);
  assert.is(gpsTimeOf({ ...frame, gpsTimeMs: Number.MAX_SAFE_INTEGER, gwTime: '2026-12-06T11:00:00Z' }), '2026-12-06T11:00:00.000Z');
});

test('the record carries the stamp; without a capture clock the state is unknown', () => {
  const frame = frameOf({});
  const uplink = { frame, lorawan: { ...EMPTY_LORAWAN }, phy: null, outcome: null } as unknown as Parameters<typeof toRecord>[0];
  const stamped = toRecord(uplink, { capturedAt: '2026-12-05T12:00:00.000Z', clockSynced: false, bootId: 'a0882cfe4e4e', monoMs: 42 });
  assert.equal(
    [stamped.capturedAt, stamped.clockSynced, stamped.gpsTime, stamped.bootId, stamped.monoMs],
    ['2026-12-05T12:00:00.000Z', false, null, 'a0882cfe4e4e', 42],
  );
  const plain = toRecord(uplink);
  assert.equal([plain.capturedAt, plain.clockSynced, plain.bootId, plain.monoMs], [new Date(RECEIVED).toISOString(), null, null, null]);
  // The clock fields come right after capturedAt in the stored JSON (readable, and the splice relies on nothing else).
  assert.equal(Object.keys(stamped).slice(0, 5), ['capturedAt', 'clockSynced', 'gpsTime', 'bootId', 'monoMs']);
});

test.run();
