// Rebuilding 32-bit frame counters from the 16 bits on air.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fullFCnt, MAX_FCNT_GAP, LoRaWANError } from '../../../src/lorawan/index.js';

test('no previous counter: the 16-bit value', () => {
  assert.is(fullFCnt(undefined, 0), 0);
  assert.is(fullFCnt(undefined, 0xffff), 0xffff);
});

test('forward in the same window, and equal (retransmission)', () => {
  assert.is(fullFCnt(5, 6), 6);
  assert.is(fullFCnt(5, 5), 5);
  assert.is(fullFCnt(0x12345, 0x2400), 0x12400);
});

test('roll-over: last 0xFFFF, on air 0x0000 gives 0x10000', () => {
  assert.is(fullFCnt(0xffff, 0x0000), 0x10000);
  assert.is(fullFCnt(0x1fff0, 0x0005), 0x20005);
});

test('roll-over only within MAX_FCNT_GAP', () => {
  assert.is(MAX_FCNT_GAP, 16384);
  // last 0xF000: 0x10000 + 0x3000 - 0xF000 = 0x4000 = exactly the gap.
  assert.is(fullFCnt(0xf000, 0x3000), 0x13000);
  // One further is a replay or a reset counter: the value stays below last.
  assert.is(fullFCnt(0xf000, 0x3001), 0x3001);
});

test('an old counter (replay) comes back below last', () => {
  const r = fullFCnt(1000, 999);
  assert.is(r, 999);
  assert.ok(r < 1000);
  assert.is(fullFCnt(0x20010, 3), 0x20003);
});

test('never beyond 32 bits', () => {
  assert.is(fullFCnt(0xffffffff, 0xffff), 0xffffffff);
  assert.is(fullFCnt(0xfffffff0, 0), 0xffff0000);
});

test('out-of-range input throws bad_fcnt', () => {
  for (const [last, f] of [
    [undefined, 0x10000],
    [undefined, -1],
    [undefined, 1.5],
    [-1, 0],
    [2 ** 32, 0],
  ] as Array<[number | undefined, number]>) {
    try {
      fullFCnt(last, f);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, LoRaWANError);
      assert.is((err as LoRaWANError).code, 'bad_fcnt');
    }
  }
});

test.run();
