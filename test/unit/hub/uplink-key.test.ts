// Which receptions are one uplink: the key is the same for the same frame from any gateway and
// differs when the device, the counter or the bytes differ; lock ids follow the key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accountingDay, uplinkKey, uplinkLockId } from '../../../src/hub/uplink-key.js';

const frame = { devEui: '70b3d57ed0000001', devAddr: '26011bda', fCnt: 12, phyPayload: Buffer.from('40da1b012680000a01', 'hex').toString('base64') };

test('the same frame has the same key; another device, counter or payload another key', () => {
  assert.is(uplinkKey(frame), uplinkKey({ ...frame }));
  assert.match(uplinkKey(frame), /^70b3d57ed0000001:12:[0-9a-f]{64}$/);
  assert.is.not(uplinkKey(frame), uplinkKey({ ...frame, devEui: '70b3d57ed0000002' }));
  assert.is.not(uplinkKey(frame), uplinkKey({ ...frame, fCnt: 13 }));
  assert.is.not(uplinkKey(frame), uplinkKey({ ...frame, phyPayload: Buffer.from('40da1b012680000a02', 'hex').toString('base64') }));
});

test('without a DevEUI the DevAddr names the device; without either, the bytes alone', () => {
  assert.match(uplinkKey({ ...frame, devEui: null }), /^26011bda:12:/);
  assert.match(uplinkKey({ ...frame, devEui: null, devAddr: null, fCnt: null }), /^-:-:[0-9a-f]{64}$/);
});

test('lock ids are 64-bit, stable and differ between keys', () => {
  const a = uplinkLockId(uplinkKey(frame));
  assert.is(a, uplinkLockId(uplinkKey({ ...frame })));
  assert.is.not(a, uplinkLockId(uplinkKey({ ...frame, fCnt: 13 })));
  assert.ok(a >= -(2n ** 63n) && a < 2n ** 63n);
});

test('uplinks are accounted on the UTC day of their capture', () => {
  assert.is(accountingDay(Date.parse('2026-11-23T23:59:59.999Z')), '2026-11-23');
  assert.is(accountingDay(Date.parse('2026-11-24T00:30:00+01:00')), '2026-11-23');
});

test.run();
