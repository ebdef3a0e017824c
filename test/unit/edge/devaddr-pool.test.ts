// DevAddr allocation at the edge: inside the configured inclusive range, round-robin from the
// cursor, skipping addresses held by other sessions or ABP devices, undefined when all are taken.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocateDevAddr, parseDevAddrRange, rangeSize } from '../../../src/edge/devaddr-pool.js';
import { EdgeConfigError } from '../../../src/edge/errors.js';

const none = () => false;

test('parses the range from config hex; from above to is refused', () => {
  assert.equal(parseDevAddrRange('00000001', '01ffffff'), { from: 1, to: 0x01ffffff });
  assert.is(rangeSize(parseDevAddrRange('26000010', '26000013')), 4);
  assert.throws(() => parseDevAddrRange('26000010', '2600000f'), (e: unknown) => e instanceof EdgeConfigError && /above/.test((e as Error).message));
  assert.throws(() => parseDevAddrRange('2600001', '26000010'), (e: unknown) => e instanceof EdgeConfigError);
});

test('first allocation starts at the range start when the cursor is outside it', () => {
  const r = parseDevAddrRange('26000010', '26000013');
  assert.equal(allocateDevAddr(r, 0, none), { devAddr: 0x26000010, next: 0x26000011 });
});

test('round-robin: the cursor moves on, and wraps at the end of the range', () => {
  const r = parseDevAddrRange('26000010', '26000012');
  const got: number[] = [];
  let cursor = 0;
  for (let i = 0; i < 4; i++) {
    const a = allocateDevAddr(r, cursor, none)!;
    got.push(a.devAddr);
    cursor = a.next;
  }
  assert.equal(got, [0x26000010, 0x26000011, 0x26000012, 0x26000010]);
});

test('addresses held by sessions or ABP devices are skipped', () => {
  const r = parseDevAddrRange('26000010', '26000013');
  const held = new Set([0x26000011, 0x26000012]);
  assert.equal(allocateDevAddr(r, 0x26000011, (a) => held.has(a)), { devAddr: 0x26000013, next: 0x26000010 });
  // Wrapping past the end to a free address at the start.
  held.add(0x26000013);
  assert.equal(allocateDevAddr(r, 0x26000012, (a) => held.has(a)), { devAddr: 0x26000010, next: 0x26000011 });
});

test('every address taken: undefined', () => {
  const r = parseDevAddrRange('26000010', '26000011');
  assert.is(allocateDevAddr(r, 0, () => true), undefined);
});

test('a single-address range works, and a huge range needs only maxTaken + 1 probes', () => {
  const one = parseDevAddrRange('00000005', '00000005');
  assert.equal(allocateDevAddr(one, 0, none), { devAddr: 5, next: 5 });
  const big = parseDevAddrRange('00000000', 'ffffffff');
  let probes = 0;
  const taken = new Set([0, 1, 2]);
  const a = allocateDevAddr(big, 0, (x) => (probes++, taken.has(x)), taken.size);
  assert.equal(a, { devAddr: 3, next: 4 });
  assert.is(probes, 4);
  // The top of a full 32-bit range wraps to 0.
  assert.equal(allocateDevAddr(big, 0xffffffff, none), { devAddr: 0xffffffff, next: 0 });
});

test.run();
