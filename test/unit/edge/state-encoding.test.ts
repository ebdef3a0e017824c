// Edge state on disk: device state (session keys, counters, queue, pending ACK) and DevNonce lists
// survive a round trip exactly; damaged values are refused with a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeDeviceState, decodeMeta, decodeNonces, encodeDeviceState, encodeMeta, encodeNonces } from '../../../src/edge/state-encoding.js';
import type { DeviceEdgeState } from '../../../src/edge/edge-state.js';

const state: DeviceEdgeState = {
  session: {
    devAddr: 0x00000abc,
    nwkSKey: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
    appSKey: Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex'),
    fCntUp: 70000,
    fCntDown: 12,
    devNonce: 0xbeef,
    joinNonce: 0x123456,
    joinedAt: 1_790_000_000_000,
    lastSource: 'udp',
    lastDataRate: 5,
  },
  queue: [{ id: 'cmd-1', fPort: 60, bytes: Buffer.from([1, 0xff, 50]), confirmed: true, queuedAt: 1_790_000_001_000, attempts: 1 }],
  awaitingAck: { id: 'cmd-0', fCntDown: 11, fPort: 60, sentAt: 1_790_000_000_500 },
  devStatus: { battery: 254, margin: -3, at: 1_790_000_000_600 },
};

test('device state round-trips, buffers included', () => {
  const back = decodeDeviceState(encodeDeviceState(state));
  assert.equal(back, state);
});

test('a session before its first uplink (fCntUp undefined) round-trips', () => {
  const fresh: DeviceEdgeState = { session: { ...state.session!, fCntUp: undefined }, queue: [] };
  delete fresh.session!.lastSource;
  assert.equal(decodeDeviceState(encodeDeviceState(fresh)), fresh);
});

test('the stored text holds no Buffer objects, only hex', () => {
  const text = encodeDeviceState(state);
  assert.match(text, /"nwkSKey":"000102030405060708090a0b0c0d0e0f"/);
  assert.match(text, /"devAddr":"00000abc"/);
});

test('damaged values are refused with the field named', () => {
  const obj = JSON.parse(encodeDeviceState(state)) as { session: { nwkSKey: string } };
  obj.session.nwkSKey = 'abcd';
  assert.match(decodeDeviceState(JSON.stringify(obj)) as string, /session\.nwkSKey/);
  assert.match(decodeDeviceState('{') as string, /not JSON/);
  assert.match(decodeDeviceState('{"v":2,"queue":[]}') as string, /v/);
});

test('DevNonces pack as u16 BE; odd lengths are refused', () => {
  const buf = encodeNonces([1, 0xbeef, 65535]);
  assert.is(buf.toString('hex'), '0001beefffff');
  assert.equal(decodeNonces(buf), [1, 0xbeef, 65535]);
  assert.type(decodeNonces(Buffer.from([1, 2, 3])), 'string');
});

test('meta round-trips and is validated', () => {
  assert.equal(decodeMeta(encodeMeta({ joinNonce: 7, devAddrCursor: 0x26000001 })), { joinNonce: 7, devAddrCursor: 0x26000001 });
  assert.type(decodeMeta('{"joinNonce":-1,"devAddrCursor":0}'), 'string');
});

test.run();
