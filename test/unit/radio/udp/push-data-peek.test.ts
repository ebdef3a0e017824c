// The closed door's quick look at a PUSH_DATA: header and rxpk count without parsing the JSON; a
// datagram with a gateway stat (an object, unlike the rxpk's numeric CRC stat) goes to the parser.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { peekPushData } from '../../../../src/radio/udp/push-data-peek.js';
import { makeRxpk } from '../../../../src/testing/packet-forwarder.js';

const EUI = Buffer.from('aa555a0000000101', 'hex');

function pushData(body: string, version = 2, token = 0xbeef, type = 0x00): Buffer {
  return Buffer.concat([Buffer.from([version, token >> 8, token & 0xff, type]), EUI, Buffer.from(body)]);
}

const rxpk = (n: number) => Array.from({ length: n }, (_, i) => makeRxpk({ payload: Buffer.from([0x40, i, 1, 2, 3]), stat: 'ok' }));

test('counts the rxpk of a PUSH_DATA and reads its header', () => {
  for (const n of [1, 3, 8]) {
    const peek = peekPushData(pushData(JSON.stringify({ rxpk: rxpk(n) })));
    assert.equal(peek, { version: 2, token: 0xbeef, frames: n });
  }
  assert.equal(peekPushData(pushData(JSON.stringify({ rxpk: rxpk(2) }, null, 2), 1, 7)), { version: 1, token: 7, frames: 2 });
});

test('a datagram with a gateway stat object is left to the parser (the stat is kept)', () => {
  const stat = { time: '2026-01-01 00:00:00 GMT', rxnb: 2, rxok: 2, rxfw: 2, ackr: 100, dwnb: 0, txnb: 0 };
  assert.is(peekPushData(pushData(JSON.stringify({ rxpk: rxpk(2), stat }))), null);
  assert.is(peekPushData(pushData(`{"rxpk":${JSON.stringify(rxpk(1))},"stat" : \n {"rxnb":1}}`)), null);
  assert.is(peekPushData(pushData(JSON.stringify({ stat }))), null, 'stat only');
});

test('anything else is left to the parser', () => {
  const body = JSON.stringify({ rxpk: rxpk(1) });
  assert.is(peekPushData(pushData(body, 3)), null, 'bad version');
  assert.is(peekPushData(pushData(body, 2, 1, 0x02)), null, 'PULL_DATA');
  assert.is(peekPushData(pushData('{"rxpk":[]}')), null, 'no frames');
  assert.is(peekPushData(pushData('')), null, 'no body');
  assert.is(peekPushData(Buffer.from([2, 0, 1])), null, 'too short');
});

test.run();
